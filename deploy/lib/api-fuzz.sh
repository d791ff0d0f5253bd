#!/usr/bin/env bash
# Fuzzes the public API through the gateway with schemathesis, from the OpenAPI document the gateway serves at
# /api/openapi.json. The document is validated first; then every operation gets its examples, boundary and
# invalid inputs, random inputs, and stateful sequences along the document's links (create an event, read it; book
# or hold, read the booking, confirm or cancel it). A response fails the run when it is a 5xx, when its status,
# headers, content type or body are not what the document says, when invalid input is accepted or valid input
# refused, when a method a path does not serve is answered with anything but 405 and Allow, or when an operation
# that needs a token answers without one. The admin operations are fuzzed too, so the run pauses sales and kills
# worker nodes; afterwards, whatever its outcome, the cluster is put back whole for the tests that follow.
#
#   deploy/lib/api-fuzz.sh                           against the stack of the current environment
#   SEATLINE_FUZZ_SEED=N deploy/lib/api-fuzz.sh      the same inputs as the run that printed seed N
#   SEATLINE_FUZZ_SECONDS=600 deploy/lib/api-fuzz.sh a longer run (default 100 seconds)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=deploy/lib/config.sh
source "$repo/deploy/lib/config.sh"
# shellcheck source=deploy/lib/install.sh
source "$repo/deploy/lib/install.sh"

install_api_fuzzer
venv="$SEATLINE_CACHE/venv"
gateway=${SEATLINE_GATEWAY_URL:-http://127.0.0.1:$SEATLINE_GATEWAY_PORT}
seed=${SEATLINE_FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}
seconds=${SEATLINE_FUZZ_SECONDS:-100}
report="$SEATLINE_STATE/api-fuzz"
rm -rf "$report" && mkdir -p "$report"

curl -fsS "$gateway/api/openapi.json" >"$report/openapi.json"
"$venv/bin/openapi-spec-validator" "$report/openapi.json"

# A user of its own, registered and logged in through the gateway, for the operations that act as a user; the admin
# operations get SEATLINE_ADMIN_TOKEN (both picked by security scheme in schemathesis.toml).
credentials="{\"email\":\"api-fuzz-$seed-$$@example.org\",\"password\":\"fuzz-password-$seed\"}"
curl -fsS -H 'Content-Type: application/json' -d "$credentials" "$gateway/api/users" >/dev/null
SEATLINE_FUZZ_USER_TOKEN=$(curl -fsS -H 'Content-Type: application/json' -d "$credentials" "$gateway/api/sessions" |
    "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
export SEATLINE_FUZZ_USER_TOKEN SEATLINE_ADMIN_TOKEN

# Reads GET /api/admin/nodes on stdin and prints the ids of the killed nodes. Succeeds only once no node is killed,
# each worker of the ids $1 is alive and, if there are any, a live one leads: a cluster the next tests can use.
cluster_state() {
    "$venv/bin/python" -c '
import json, sys
nodes = json.load(sys.stdin)
print(*(node["id"] for node in nodes if node["killed"]))
workers = {node["id"]: node for node in nodes if node["role"] == "worker"}
wanted = [workers.get(int(id)) for id in sys.argv[1].split()]
leads = any(node["isLeader"] and node["alive"] for node in workers.values())
whole = all(node and node["alive"] for node in wanted) and (leads or not wanted)
sys.exit(0 if whole and not any(node["killed"] for node in nodes) else 1)
' "$1"
}

# Sales on, every killed node revived, then up to 60 s for the workers to come back and elect. Each round asks again
# what is still missing: a request can fail for a moment (a node slow to answer, the gateway's admin rate limit).
restore_cluster() {
    local auth="Authorization: Bearer $SEATLINE_ADMIN_TOKEN" deadline=$((SECONDS + 60)) sales=off nodes= killed id
    while true; do
        if [ "$sales" = off ] && curl -fsS -m 5 -o /dev/null -H "$auth" -H 'Content-Type: application/json' \
            -d '{"active":true}' "$gateway/api/admin/system/toggle"; then
            sales=on
        fi
        if nodes=$(curl -fsS -m 5 -H "$auth" "$gateway/api/admin/nodes"); then
            if killed=$(cluster_state "$workers" <<<"$nodes") && [ "$sales" = on ]; then
                return 0
            fi
            for id in $killed; do
                curl -sS -m 10 -o /dev/null -X POST -H "$auth" "$gateway/api/admin/nodes/$id/revive" || true
            done
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "api fuzz: the cluster is not whole 60 s after the run (sales $sales; nodes: ${nodes:-unknown})" >&2
            return 1
        fi
        sleep 1
    done
}

# The workers to wait for afterwards: those running now. A worker that had stopped before the run (a row of an
# earlier process, say) cannot come back by being revived.
workers=$(curl -fsS -H "Authorization: Bearer $SEATLINE_ADMIN_TOKEN" "$gateway/api/admin/nodes" |
    "$venv/bin/python" -c 'import json, sys
print(*(n["id"] for n in json.load(sys.stdin) if n["role"] == "worker" and (n["alive"] or n["killed"])))')

echo "api fuzz: seed $seed, $seconds s (replay: SEATLINE_FUZZ_SEED=$seed deploy/lib/api-fuzz.sh)"
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
checks+=,response_headers_conformance,negative_data_rejection,positive_data_acceptance,unsupported_method,ignored_auth
status=0
# From the report folder, where schemathesis keeps what `st replay` needs.
(cd "$report" && "$venv/bin/schemathesis" --config-file "$repo/deploy/lib/schemathesis.toml" \
    run "$gateway/api/openapi.json" --url "$gateway" \
    --checks "$checks" --seed "$seed" --max-time "$seconds" --no-color \
    --report ndjson --report-ndjson-path "$report/events.ndjson") || status=$?
# Before anything else can fail: the tests after this one need sales on and every worker node back.
if ! restore_cluster; then
    [ "$status" -ne 0 ] || status=1
fi

# What was sent and checked, from the run's event log.
"$venv/bin/python" - "$report/events.ndjson" <<'EOF'
import collections, json, sys

requests, statuses, checks = 0, collections.Counter(), collections.Counter()
with open(sys.argv[1]) as events:
    for line in events:
        recorder = json.loads(line).get("ScenarioFinished", {}).get("recorder", {})
        for interaction in (recorder.get("interactions") or {}).values():
            requests += 1
            response = interaction.get("response")
            statuses[response["status_code"] if response else "no answer"] += 1
        for results in (recorder.get("checks") or {}).values():
            for check in results:
                checks[check["name"], check["status"]] += 1
print(f"api fuzz: {requests} requests; statuses " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=str)))
for (name, outcome), count in sorted(checks.items()):
    print(f"api fuzz: check {name} {outcome} {count}")
EOF
exit "$status"
