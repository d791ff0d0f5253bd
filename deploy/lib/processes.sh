# shellcheck shell=bash
# Starting, stopping and inspecting the processes of the local stack. Each process has a pid file
# under $SEATLINE_STATE/run and a log under $SEATLINE_STATE/logs; only those pids are ever signalled.

servers=(postgres redis kafka)
# Three worker nodes, so a fresh stack shows a real cluster: they share the topic's partitions and elect a leader.
roles=(accounts write-api worker worker-2 worker-3 sync read-api)
run_dir="$SEATLINE_STATE/run"
log_dir="$SEATLINE_STATE/logs"

seatline_binary() { echo "$repo/.build/$SEATLINE_BUILD_CONFIGURATION/seatline"; }

build_seatline() {
    log "building seatline ($SEATLINE_BUILD_CONFIGURATION)"
    (cd "$repo" && swift build -c "$SEATLINE_BUILD_CONFIGURATION" --product seatline)
}

# Prints N distinct TCP ports that nothing listens on, on any address (nginx listens on all of them).
# They are drawn below the kernel's ephemeral range: a port from inside it could be handed to some
# outgoing connection (a role's pooled database connection) before the stack's server binds it. The
# stack's default ports are skipped so that a user can still start `deploy/stack up` meanwhile.
free_ports() {
    python3 - "$1" <<'EOF'
import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
defaults = {8080, 8081, 8082, 8083, 8084, 8085, 55432, 56379, 59092}
held, ports = [], []
while len(ports) < int(sys.argv[1]):
    port = random.randrange(20000, low)
    if port in defaults or port in ports:
        continue
    probe = socket.socket()
    try:
        probe.bind(("0.0.0.0", port))
    except OSError:
        continue
    held.append(probe)
    ports.append(port)
print(*ports)
EOF
}

# A killed process whose parent is gone may linger as a zombie where nothing reaps orphans (as in
# some containers); it answers kill -0 but is dead.
is_alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "${state:0:1}" != Z ]
}

pid_of() {
    local pid_file="$run_dir/$1.pid"
    [ -f "$pid_file" ] || return 1
    local pid
    pid=$(cat "$pid_file")
    is_alive "$pid" || return 1
    echo "$pid"
}

wait_until() {
    local what=$1 tries=$2
    shift 2
    for _ in $(seq "$tries"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    die "$what did not come up; see $log_dir"
}

# Runs a command detached from whoever called the script: no inherited descriptors beyond the
# standard three (a caller waiting for its pipe to close would otherwise wait for the server) and an
# empty signal mask (a caller's thread may block SIGTERM, which stop relies on). Bash can do neither.
# It replaces the calling shell, so call it in a subshell: the pid stays the server's.
detached() {
    exec python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.closerange(3, os.sysconf("SC_OPEN_MAX"))
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

# Starts a foreground command in the background with its own pid file and log.
spawn() {
    local name=$1
    shift
    if pid_of "$name" >/dev/null; then return 0; fi
    mkdir -p "$run_dir" "$log_dir"
    (detached "$@" >>"$log_dir/$name.log" 2>&1 </dev/null) &
    echo $! >"$run_dir/$name.pid"
}

postgres_data="$SEATLINE_STATE/postgres/data"
postgres_socket="$SEATLINE_STATE/postgres/socket"
as_postgres() { runuser -u postgres -- "$@"; }
psql_admin() { as_postgres psql -X -q -h "$postgres_socket" -p "$SEATLINE_POSTGRES_PORT" -d postgres -v ON_ERROR_STOP=1 "$@"; }
pg_bin() { echo "/usr/lib/postgresql/15/bin/$1"; }

start_postgres() {
    mkdir -p "$SEATLINE_STATE/postgres" "$postgres_socket" "$log_dir"
    chown postgres "$SEATLINE_STATE/postgres" "$postgres_socket"
    if [ ! -f "$postgres_data/PG_VERSION" ]; then
        as_postgres "$(pg_bin initdb)" -D "$postgres_data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
            -E UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$postgres_data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
max_connections = 300
shared_buffers = 256MB
synchronous_commit = on
fsync = on
EOF
    fi
    touch "$log_dir/postgres.log" && chown postgres "$log_dir/postgres.log"
    if ! as_postgres "$(pg_bin pg_ctl)" -D "$postgres_data" status >/dev/null 2>&1; then
        (detached runuser -u postgres -- "$(pg_bin pg_ctl)" -D "$postgres_data" -l "$log_dir/postgres.log" -w -t 60 \
            -o "-p $SEATLINE_POSTGRES_PORT -k $postgres_socket" start >/dev/null)
    fi
    mkdir -p "$run_dir"
    head -n 1 "$postgres_data/postmaster.pid" >"$run_dir/postgres.pid"
    psql_admin <<'EOF'
SELECT 'CREATE ROLE seatline LOGIN PASSWORD ''seatline'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'seatline') \gexec
SELECT 'CREATE DATABASE seatline_write OWNER seatline'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'seatline_write') \gexec
SELECT 'CREATE DATABASE seatline_read OWNER seatline'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'seatline_read') \gexec
EOF
}

stop_postgres() {
    [ -f "$postgres_data/PG_VERSION" ] || return 0
    as_postgres "$(pg_bin pg_ctl)" -D "$postgres_data" -m fast -w stop >/dev/null 2>&1 || true
    rm -f "$run_dir/postgres.pid"
}

start_redis() {
    mkdir -p "$SEATLINE_STATE/redis"
    # Redis holds only locks and the sweeper lease, which are safe to lose: no persistence.
    spawn redis redis-server --bind 127.0.0.1 --port "$SEATLINE_REDIS_PORT" --dir "$SEATLINE_STATE/redis" \
        --save "" --appendonly no --daemonize no
    wait_until redis 50 redis-cli -p "$SEATLINE_REDIS_PORT" ping
}

start_kafka() {
    spawn kafka "$TANSU_BIN" broker --listener-url "tcp://127.0.0.1:$SEATLINE_KAFKA_PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$SEATLINE_KAFKA_PORT" --storage-engine memory://tansu/
    wait_until kafka 100 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SEATLINE_KAFKA_PORT"
    # The broker keeps topics in memory, so every start creates the topic again.
    "$TANSU_BIN" topic create "$SEATLINE_KAFKA_TOPIC" --broker "tcp://127.0.0.1:$SEATLINE_KAFKA_PORT" \
        --partitions "$SEATLINE_KAFKA_PARTITIONS" >>"$log_dir/kafka.log" 2>&1 || true
}

nginx_dir="$SEATLINE_STATE/nginx"

render_nginx() {
    mkdir -p "$nginx_dir/conf.d" "$nginx_dir/temp" "$nginx_dir/cache" "$log_dir"
    export SEATLINE_WRITE_API_UPSTREAM="127.0.0.1:$SEATLINE_WRITE_API_PORT"
    export SEATLINE_READ_API_UPSTREAM="127.0.0.1:$SEATLINE_READ_API_PORT"
    export SEATLINE_WORKER_UPSTREAM="127.0.0.1:$SEATLINE_WORKER_PORT"
    export SEATLINE_SYNC_UPSTREAM="127.0.0.1:$SEATLINE_SYNC_PORT"
    export SEATLINE_ACCOUNTS_UPSTREAM="127.0.0.1:$SEATLINE_ACCOUNTS_PORT"
    export SEATLINE_GATEWAY_CACHE_PATH="$nginx_dir/cache"
    export SEATLINE_GATEWAY_PUBLIC_DIR="$repo/nginx/public"
    local variables
    variables=$(printf '${%s} ' SEATLINE_GATEWAY_PORT SEATLINE_WRITE_API_UPSTREAM SEATLINE_READ_API_UPSTREAM \
        SEATLINE_WORKER_UPSTREAM SEATLINE_SYNC_UPSTREAM SEATLINE_ACCOUNTS_UPSTREAM SEATLINE_GATEWAY_RATE_LIMIT \
        SEATLINE_GATEWAY_RATE_BURST SEATLINE_GATEWAY_LOGIN_RATE_LIMIT SEATLINE_GATEWAY_LOGIN_RATE_BURST \
        SEATLINE_GATEWAY_CACHE_PATH SEATLINE_GATEWAY_PUBLIC_DIR)
    for template in "$repo"/nginx/templates/*.template; do
        envsubst "$variables" <"$template" >"$nginx_dir/conf.d/$(basename "$template" .template)"
    done
    cat >"$nginx_dir/nginx.conf" <<EOF
worker_processes auto;
pid $run_dir/nginx.pid;
error_log $log_dir/nginx.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $nginx_dir/temp/body;
    proxy_temp_path $nginx_dir/temp/proxy;
    fastcgi_temp_path $nginx_dir/temp/fastcgi;
    uwsgi_temp_path $nginx_dir/temp/uwsgi;
    scgi_temp_path $nginx_dir/temp/scgi;
    include $nginx_dir/conf.d/*.conf;
}
EOF
}

start_nginx() {
    mkdir -p "$run_dir"
    render_nginx
    nginx -t -q -c "$nginx_dir/nginx.conf" -p "$nginx_dir" 2>>"$log_dir/nginx.log" || die "nginx config is invalid; see $log_dir/nginx.log"
    if pid_of nginx >/dev/null; then
        nginx -c "$nginx_dir/nginx.conf" -p "$nginx_dir" -s reload
    else
        (detached nginx -c "$nginx_dir/nginx.conf" -p "$nginx_dir")
    fi
}

role_port() {
    case $1 in
        write-api) echo "$SEATLINE_WRITE_API_PORT" ;;
        read-api) echo "$SEATLINE_READ_API_PORT" ;;
        worker) echo "$SEATLINE_WORKER_PORT" ;;
        worker-2) echo "$SEATLINE_WORKER_2_PORT" ;;
        worker-3) echo "$SEATLINE_WORKER_3_PORT" ;;
        sync) echo "$SEATLINE_SYNC_PORT" ;;
        accounts) echo "$SEATLINE_ACCOUNTS_PORT" ;;
    esac
}

start_role() {
    local role=$1 binary
    binary=$(seatline_binary)
    [ -x "$binary" ] || die "$binary is missing: run deploy/stack build"
    # glibc gives each thread contending for malloc an arena of its own (up to eight per core) that keeps its
    # freed memory; two arenas keep every role well under 100 MB at no measurable cost in throughput.
    (cd "$repo" && export SEATLINE_HTTP_PORT="$(role_port "$role")" MALLOC_ARENA_MAX=2 &&
        spawn "$role" "$binary" "${role%-[0-9]}")
    wait_until "$role" 150 curl -fsS "http://127.0.0.1:$(role_port "$role")/healthz"
}

available_roles() {
    local role
    for role in "${roles[@]}"; do
        "$(seatline_binary)" help "${role%-[0-9]}" >/dev/null 2>&1 && echo "$role"
    done
}

run_migrations() {
    (cd "$repo" && "$(seatline_binary)" migrate) >>"$log_dir/migrate.log" 2>&1 || die "migrations failed; see $log_dir/migrate.log"
}

start_one() {
    case $1 in
        postgres | redis | kafka | nginx) "start_$1" ;;
        accounts | write-api | worker | worker-[23] | sync | read-api) start_role "$1" ;;
        *) die "unknown process $1" ;;
    esac
}

stop_one() {
    local name=$1 pid
    if [ "$name" = postgres ]; then stop_postgres && return 0; fi
    pid=$(pid_of "$name") || { rm -f "$run_dir/$name.pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        is_alive "$pid" || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$run_dir/$name.pid"
}

start_all() {
    local server role
    for server in "${servers[@]}"; do start_one "$server"; done
    run_migrations
    for role in $(available_roles); do start_role "$role"; done
    start_nginx
}

stop_all() {
    local name
    for name in nginx "${roles[@]}" kafka redis postgres; do stop_one "$name"; done
}

status_all() {
    local name pid
    for name in "${servers[@]}" "${roles[@]}" nginx; do
        if pid=$(pid_of "$name"); then
            printf '%-10s running  pid %s\n' "$name" "$pid"
        else
            printf '%-10s stopped\n' "$name"
        fi
    done
}
