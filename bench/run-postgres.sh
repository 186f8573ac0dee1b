#!/usr/bin/env bash
# Benchmark harness on PostgreSQL (not a test): authenticated GET and PUT (If-Match: *) of a
# billing profile against one partnerd node, and against two nodes over the same database
# (two wrk processes, one per node, at once; their rates are added). Figures to set beside
# bench/run.sh's SQLite ones. Needs root for .ci/postgres.sh and wrk installed.
#
# Environment: BENCH_CONNECTIONS (32, split between the nodes), BENCH_DURATION (10s),
# BENCH_WARMUP (2s), PARTNERD_TEST_POSTGRES (the server; a fresh database is made in it).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
cd "$ROOT"
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
ADMIN_URL=${PARTNERD_TEST_POSTGRES:-postgres://partnerd:partnerd@127.0.0.1:5432/partnerd}
NAME="partnerd_bench_$$"
DB="${ADMIN_URL%/*}/$NAME?pool_max_size=16"

.ci/postgres.sh >/dev/null
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --quiet --release -p partnerd-cli
BIN=target/release/partnerd
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    psql "$ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $NAME" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

psql "$ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $NAME"
"$BIN" partner create --database "$DB" --name "Bench" --customer-cap 0 --json > "$WORK/partner.json"
TENANT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tenantId"])' "$WORK/partner.json")
for port in 18201 18202; do
    RUST_LOG=warn "$BIN" serve --listen "127.0.0.1:$port" --database "$DB" --admin-token bench --journal-size 1000 > "$WORK/node-$port.log" 2>&1 &
    PIDS+=($!)
done
for port in 18201 18202; do
    for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/_partnerd/ready" >/dev/null 2>&1 && break; sleep 0.1; done
done
TOKEN=$("$BIN" token --database "$DB" --tenant "$TENANT")
AUTH="Authorization: Bearer $TOKEN"
ID=$(curl -fsS -H "$AUTH" -H 'Content-Type: application/json' http://127.0.0.1:18201/v1/customers -d '{
  "companyProfile":{"domain":"pgbench.onmicrosoft.com"},
  "billingProfile":{"firstName":"Ada","lastName":"Lovelace","email":"ada@contoso.com","culture":"en-US","language":"en",
  "companyName":"Contoso","defaultAddress":{"country":"US","city":"Redmond","state":"WA","addressLine1":"One Microsoft Way",
  "postalCode":"98052","phoneNumber":"4255550100"}}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
PROFILE="/v1/customers/$ID/profiles/billing"
curl -fsS -H "$AUTH" "http://127.0.0.1:18201$PROFILE" > "$WORK/put.json"
export BENCH_PUT_BODY="$WORK/put.json"

rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
non2xx() { awk '/Non-2xx or 3xx responses:/ { print $NF }' "$1"; }
run() { # name, connections, urls...
    local name=$1 conns=$2; shift 2
    local script=()
    [[ $name == PUT* ]] && script=(-s "$BENCH_DIR/put.lua")
    local loads=()
    for url in "$@"; do wrk -t1 -c"$conns" -d"$WARMUP" -H "$AUTH" "${script[@]}" "$url" >/dev/null & loads+=($!); done
    wait "${loads[@]}"
    local i=0
    loads=()
    for url in "$@"; do
        i=$((i + 1))
        wrk -t1 -c"$conns" -d"$DURATION" --latency -H "$AUTH" "${script[@]}" "$url" > "$WORK/$name-$i.txt" &
        loads+=($!)
    done
    wait "${loads[@]}"
    local total=0 bad=""
    for ((j = 1; j <= i; j++)); do
        total=$(awk -v a="$total" -v b="$(rps "$WORK/$name-$j.txt")" 'BEGIN { print a + b }')
        bad+=$(non2xx "$WORK/$name-$j.txt")
    done
    printf '%-22s %10.0f req/s%s\n' "$name" "$total" "${bad:+  (non-2xx: $bad)}"
}
echo "partnerd $(git describe --always --dirty 2>/dev/null) on PostgreSQL $(psql "$ADMIN_URL" -tAc 'SHOW server_version'); $(nproc) CPUs; wrk $CONNECTIONS connections in all, $DURATION"
run "GET, one node" "$CONNECTIONS" "http://127.0.0.1:18201$PROFILE"
run "PUT, one node" "$CONNECTIONS" "http://127.0.0.1:18201$PROFILE"
run "GET, two nodes" "$((CONNECTIONS / 2))" "http://127.0.0.1:18201$PROFILE" "http://127.0.0.1:18202$PROFILE"
run "PUT, two nodes" "$((CONNECTIONS / 2))" "http://127.0.0.1:18201$PROFILE" "http://127.0.0.1:18202$PROFILE"
