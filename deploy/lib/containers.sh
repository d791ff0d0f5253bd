# shellcheck shell=bash
# The compose stack on podman, for deploy/compose: the tools, the images, podman's Docker API service (which
# docker-compose talks to), health checks, up, down and the end-to-end test. Only containers, networks and volumes
# labelled with this stack's compose project are ever touched.

container_packages=(podman runc netavark aardvark-dns debootstrap docker-compose)
base_image=localhost/seatline-base:bookworm
image_label=org.seatline.compose=local
podman_socket="$SEATLINE_STATE/podman.sock"
compose_files=(-f "$repo/deploy/docker-compose.yml" -f "$repo/deploy/containers/podman.yml")
compose_log="$SEATLINE_STATE/logs/compose.log"
# Debian's crun refuses this machine's mixed cgroup layout, so runc; and the default open-file limit cannot be raised
# here, so containers get one they can have.
export CONTAINERS_CONF="$SEATLINE_STATE/containers.conf"
export DOCKER_HOST="unix://$podman_socket"

compose() { docker-compose --project-name "$SEATLINE_COMPOSE_PROJECT" "${compose_files[@]}" "$@"; }

project_containers() {
    podman ps "$@" --filter "label=com.docker.compose.project=$SEATLINE_COMPOSE_PROJECT" --format '{{.Names}}'
}

install_container_tools() {
    install_all
    install_debian_packages "${container_packages[@]}"
}

configure_podman() {
    mkdir -p "$SEATLINE_STATE/logs"
    cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF
}

# A minimal Debian 12 made by debootstrap, kept as a tarball in the cache between runs.
build_base_image() {
    podman image exists "$base_image" && return 0
    local tarball="$SEATLINE_CACHE/containers/bookworm-minbase.tar"
    if [ ! -s "$tarball" ]; then
        log "making a minimal Debian 12 for the base image with debootstrap (about 40 s)"
        local root
        root=$(mktemp -d)
        debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$SEATLINE_STATE/logs/debootstrap.log"
        mkdir -p "$(dirname "$tarball")"
        tar -C "$root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
        rm -rf "$root"
    fi
    podman import "$tarball" "$base_image" >/dev/null
}

# Builds deploy/containers/images/NAME.Containerfile as TAG, with the files that image copies in; podman's layer
# cache makes an unchanged image cost a second.
build_image() {
    local name=$1 tag=$2 context="$SEATLINE_STATE/images/$1"
    rm -rf "$context"
    mkdir -p "$context"
    cp "$repo/deploy/containers/images/"* "$context/"
    case "$name" in
        kafka) cp -L "$TANSU_BIN" "$context/tansu" ;;
        seatline)
            local binary library toolchain
            binary=$(seatline_binary)
            toolchain=$(dirname "$(readlink -f "$(command -v swift)")")/../lib/swift
            cp "$binary" "$context/seatline"
            cp -r "$repo/sql" "$context/sql"
            mkdir -p "$context/lib"
            # The Swift runtime libraries the binary was linked against, from the toolchain that built it.
            for library in $(ldd "$binary" | awk '{ print $3 }'); do
                case "$(readlink -f "$library")" in "$(readlink -f "$toolchain")"/*) cp "$library" "$context/lib/" ;; esac
            done
            ;;
    esac
    log "building image $tag"
    podman build --quiet --format docker --label "$image_label" --tag "$tag" --file "$context/$name.Containerfile" \
        "$context" >>"$compose_log" 2>&1 || die "building $tag failed; see $compose_log"
    # The image this tag named before, if any: ours, so ours to remove.
    podman image prune --force --filter "label=$image_label" >/dev/null
}

prepare_images() {
    install_container_tools
    configure_podman
    [ -n "${SEATLINE_SKIP_BUILD:-}" ] || build_seatline
    build_base_image
    local name
    for name in postgres redis nginx kafka; do build_image "$name" "localhost/seatline-compose/$name"; done
    build_image seatline localhost/seatline:local
}

podman_service_answers() { curl -fsS --unix-socket "$podman_socket" http://podman/_ping >/dev/null 2>&1; }

start_podman_service() {
    podman_service_answers && return 0
    # Not under run/, where the local stack's processes are: down stops these two itself.
    (detached podman system service --time=0 "unix://$podman_socket" >>"$SEATLINE_STATE/logs/podman.log" 2>&1 \
        </dev/null) &
    echo $! >"$SEATLINE_STATE/podman.pid"
    wait_until "podman's API service" 100 podman_service_answers
}

# podman runs a container's health check only when asked (its timers need systemd), so this asks for every
# running container of the project every few seconds: `depends_on: condition: service_healthy` then waits for real
# health, as it does with Docker. A round costs about 0.7 CPU-seconds for the stack's dozen containers (measured), hence
# not more often than the compose file's own intervals.
run_health_checks() {
    local container
    while true; do
        for container in $(project_containers); do
            podman healthcheck run "$container" >/dev/null 2>&1 &
        done
        wait
        sleep 4
    done
}

start_health_checks() {
    local pid_file="$SEATLINE_STATE/health-checks.pid"
    [ -f "$pid_file" ] && is_alive "$(cat "$pid_file")" && return 0
    (detached bash -c "$(declare -f project_containers run_health_checks); run_health_checks" \
        >>"$SEATLINE_STATE/logs/health-checks.log" 2>&1 </dev/null) &
    echo $! >"$pid_file"
}

# Every long-running container up and, where it has a health check, healthy; the one-shot ones (migrate, topic
# creation) exited 0.
project_is_healthy() {
    local seen=0
    while read -r status; do
        seen=1
        case "$status" in
            Up*"(healthy)"* | "Exited (0)"*) ;;
            Up*"(starting)"* | Up*"(unhealthy)"*) return 1 ;;
            Up*) ;;
            *) return 1 ;;
        esac
    done < <(podman ps --all --filter "label=com.docker.compose.project=$SEATLINE_COMPOSE_PROJECT" \
        --format '{{.Status}}')
    [ "$seen" = 1 ]
}

compose_up() {
    start_podman_service
    start_health_checks
    log "starting the compose stack (project $SEATLINE_COMPOSE_PROJECT, three workers, gateway :$SEATLINE_GATEWAY_PORT)"
    local started=$SECONDS
    compose up --detach --no-build --scale worker=3 >>"$compose_log" 2>&1 \
        || die "docker-compose up failed; see $compose_log"
    log "containers started after $((SECONDS - started)) s; waiting for their health checks"
    wait_until "every container of $SEATLINE_COMPOSE_PROJECT healthy" 900 project_is_healthy
    log "compose stack healthy after $((SECONDS - started)) s"
}

# Each container's log is kept under logs/containers until the next run.
compose_down() {
    command -v podman >/dev/null || return 0
    configure_podman
    local container
    mkdir -p "$SEATLINE_STATE/logs/containers"
    for container in $(project_containers --all); do
        podman logs "$container" >"$SEATLINE_STATE/logs/containers/$container.log" 2>&1 || true
    done
    if podman_service_answers || { [ -n "$(project_containers --all)" ] && start_podman_service; }; then
        compose down --volumes --remove-orphans >>"$compose_log" 2>&1 || log "docker-compose down failed; see $compose_log"
    fi
    local name pid_file
    for name in health-checks podman; do
        pid_file="$SEATLINE_STATE/$name.pid"
        [ -f "$pid_file" ] && kill "$(cat "$pid_file")" 2>/dev/null || true
        rm -f "$pid_file"
    done
}

# Runs in a stack of its own (deploy/compose sets its state and project): the databases published on loopback ports
# for the suite's and the load tool's checks (test-ports.yml, written here), the end-to-end suite and the browser
# test through the gateway (the dashboard kills the leader worker's node and sees another elected), then every
# role's container crashed under booking load, then links between containers cut under booking load; everything
# removed at the end, also on failure.
compose_test() {
    local write_port read_port
    trap compose_down EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    compose_down
    prepare_images
    # Short holds and a fast sweeper, so the hold tests finish in seconds; longer than deploy/test's 8 s holds, because
    # one run of the suite here saw a hold expire before its owner's confirm was decided (the debug build of every
    # role, three workers and two PostgreSQL servers in containers on two cores).
    export SEATLINE_HOLD_SECONDS=12 SEATLINE_HOLD_MAX_SECONDS=30 SEATLINE_EXPIRY_INTERVAL_MS=500
    exec 9>"${TMPDIR:-/tmp}/seatline-test-ports.lock"
    flock 9
    read -r SEATLINE_GATEWAY_PORT write_port read_port <<<"$(free_ports 3)"
    export SEATLINE_GATEWAY_PORT
    cat >"$SEATLINE_STATE/test-ports.yml" <<PORTS
# deploy/compose test only: the two databases on loopback, for the checks of the suite and the load tool.
services:
  postgres-write:
    ports: ["127.0.0.1:$write_port:5432"]
  postgres-read:
    ports: ["127.0.0.1:$read_port:5432"]
PORTS
    compose_files+=(-f "$SEATLINE_STATE/test-ports.yml")
    compose_up
    exec 9>&-

    export SEATLINE_GATEWAY_URL="http://127.0.0.1:$SEATLINE_GATEWAY_PORT"
    export SEATLINE_WRITE_DATABASE_URL="postgresql://seatline:seatline@127.0.0.1:$write_port/seatline_write"
    export SEATLINE_READ_DATABASE_URL="postgresql://seatline:seatline@127.0.0.1:$read_port/seatline_read"
    # The suite reaches the stack through its gateway and databases only; Redis and the broker stay inside, and
    # nothing may fall back to another stack's.
    export SEATLINE_REDIS_URL=redis://127.0.0.1:1 SEATLINE_KAFKA_BROKERS=127.0.0.1:1
    echo "== the end-to-end suite through the compose stack's gateway"
    (cd "$repo" && swift test --skip-build --filter EndToEndTests --skip LargeEventTests)
    echo "== the booking page and the dashboard in headless Chromium, through the compose stack's gateway"
    "$repo/deploy/lib/browser-test.sh"
    echo "== a container of every role crashed under booking load, brought back by its restart policy"
    under_booking_load crashes crash_every_role
    echo "== links between containers cut under booking load, then healed"
    under_booking_load partitions cut_links
}

# `podman kill` stops a container on purpose, and podman then leaves it stopped whatever its restart policy (seen
# here: a killed worker stayed exited). A crash is the container's process dying, so that is what this does.
crash_and_wait_for_restart() {
    local service=$1 container started began=$SECONDS
    container=$(service_container "$service")
    [ -n "$container" ] || die "no running container of $service"
    started=$(podman inspect --format '{{.State.StartedAt}}' "$container")
    kill -KILL "$(podman inspect --format '{{.State.Pid}}' "$container")"
    wait_until "$container restarted and healthy" 600 restarted_and_healthy "$container" "$started"
    log "crashed $container: running and healthy again after $((SECONDS - began)) s"
}

restarted_and_healthy() {
    local running started health
    IFS='|' read -r running started health \
        <<<"$(podman inspect --format '{{.State.Running}}|{{.State.StartedAt}}|{{.State.Health.Status}}' "$1")"
    [ "$running" = true ] && [ "$started" != "$2" ] && { [ -z "$health" ] || [ "$health" = healthy ]; }
}

# Booking load through the gateway for a minute and a half while FAULTS (a function) runs; the load tool then checks
# that every accepted booking reached one final status and that no seat is held or booked twice, in the write DB and
# the read views, which must agree.
under_booking_load() {
    local name=$1 faults=$2 load_log="$SEATLINE_STATE/logs/load-$1.log" load
    mkdir -p "$SEATLINE_STATE/load-$name"
    "$(seatline_binary)" load --scenario spread --events 4 --seats 500 --requests 9000 --rate 100 --concurrency 32 \
        --visibility-sample 200 --output "$SEATLINE_STATE/load-$name" >"$load_log" 2>&1 &
    load=$!
    sleep 5
    "$faults"
    # The load tool redraws its progress line with carriage returns; its summary is the last lines.
    if ! wait "$load"; then
        tr '\r' '\n' <"$load_log" | tail -n 20
        die "the load run with $name failed its checks; see $load_log"
    fi
    tr '\r' '\n' <"$load_log" | tail -n 6
}

crash_every_role() {
    local service
    for service in write-api worker sync read-api accounts redis nginx; do
        crash_and_wait_for_restart "$service"
        sleep 3
    done
}

# Each container has its own network namespace on the project's bridge (podman's veth pairs), so a link is cut
# inside one container's namespace: its packets to one other container are dropped, as a partition would, and
# nothing outside the two containers is touched. A restart of the container would drop the rule with its namespace.
link_rule() {
    local action=$1 from=$2 to=$3 pid address
    pid=$(podman inspect --format '{{.State.Pid}}' "$(service_container "$from")")
    address=$(podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' \
        "$(service_container "$to")")
    nsenter --target "$pid" --net iptables "$action" OUTPUT --destination "$address" --jump DROP
}

cut_link_for() {
    local from=$1 to=$2 seconds=$3
    link_rule --insert "$from" "$to"
    log "cut $from -> $to for $seconds s"
    sleep "$seconds"
    link_rule --delete "$from" "$to"
}

# sync from each database (the projection must resume without a gap); a worker from the write DB mid-batch (its
# commit's answer may be lost); a worker from the broker past its session timeout, while the other two are alive (the
# group moves its partitions; its uncommitted batch is decided again, once); write-api from the broker past the
# delivery timeout (answers with unknown outcomes).
cut_links() {
    cut_link_for sync postgres-read 10
    sleep 3
    cut_link_for sync postgres-write 10
    sleep 3
    cut_link_for worker postgres-write 8
    sleep 3
    cut_link_for worker kafka 15
    sleep 3
    cut_link_for write-api kafka 8
}

service_container() {
    podman ps --filter "label=com.docker.compose.project=$SEATLINE_COMPOSE_PROJECT" \
        --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -n 1
}
