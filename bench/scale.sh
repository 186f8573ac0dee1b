#!/usr/bin/env bash
# Scale harness (not a test): builds a store of SCALE_CUSTOMERS customers (default 1,000,000)
# of one partner through partnerd's own bulk path (`partnerd import`, a thousand customers a
# transaction), then serves it and measures, with wrk and curl on loopback:
#   the import rate; cold start (launch to the first 200 of /_partnerd/ready); the first list
#   page (size 100 and 500) p99; a continuation page at depth SCALE_DEPTH (default 200,000)
#   p99; starts_with searches for a common prefix, a rare one and one nothing has, on
#   CompanyName and Domain; RssAnon after walking SCALE_DEPTH customers; bytes stored per
#   customer. The HTTP create rate is bench/run.sh's "create customer" row.
#
# Usage: bench/scale.sh      (SCALE_CUSTOMERS, SCALE_DEPTH, SCALE_DURATION (wrk -d, 5s),
#                             BENCH_NO_BUILD=1, SCALE_KEEP=1 to keep the directory)
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
COUNT=${SCALE_CUSTOMERS:-1000000}
DEPTH=${SCALE_DEPTH:-200000}
DURATION=${SCALE_DURATION:-5s}
PORT=${SCALE_PORT:-18581}
HOST=127.0.0.1
URL="http://$HOST:$PORT"

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    (cd "$ROOT" && cargo build --release -p partnerd-cli)
fi
PARTNERD=${CARGO_TARGET_DIR:-$ROOT/target}/release/partnerd
command -v wrk >/dev/null || { echo "scale: wrk is required (apt-get install wrk)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/partnerd-scale.XXXXXX")
DB="sqlite://$WORK/scale.db"
SERVER=
cleanup() {
    [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    if [[ "${SCALE_KEEP:-0}" == 1 ]]; then echo "scale: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
ms() { python3 -c 'import sys; print(f"{float(sys.argv[1])*1000:.0f}")' "$1"; }

echo "== a partner, then $COUNT customers through the bulk path"
"$PARTNERD" partner create --database "$DB" --name "Scale Partner" --customer-cap 0 --json >"$WORK/partner.json"
TENANT=$(json tenantId <"$WORK/partner.json")
"$PARTNERD" export --database "$DB" --output "$WORK/base.jsonl" 2>/dev/null
rm -f "$WORK"/scale.db*
python3 "$BENCH_DIR/scale_data.py" "$WORK/base.jsonl" "$COUNT" "$WORK/import.jsonl"
started=$(date +%s.%N)
"$PARTNERD" import --database "$DB" --input "$WORK/import.jsonl" >/dev/null
took=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$started" "$(date +%s.%N)")
rm -f "$WORK/import.jsonl"
printf 'import: %d customers in %.1f s (%.0f a second)\n' "$COUNT" "$took" \
    "$(python3 -c "print($COUNT / $took)")"

echo "== serve"
started=$(date +%s.%N)
RUST_LOG=warn "$PARTNERD" serve --listen "$HOST:$PORT" --database "$DB" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 1000); do
    curl -fsS -o /dev/null "$URL/_partnerd/ready" 2>/dev/null && break
    sleep 0.005
done
printf 'cold start to ready: %s ms\n' "$(ms "$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$started" "$(date +%s.%N)")")"
TOKEN=$("$PARTNERD" token --database "$DB" --tenant "$TENANT" | tail -n 1 | tr -d '[:space:]')
AUTH="Authorization: Bearer $TOKEN"

p99() { wrk -t1 -c8 -d "$DURATION" --latency -H "$AUTH" "$@" | awk '/^ +99%/ { print $2 }'; }
echo "first page, size 100: p99 $(p99 "$URL/v1/customers?size=100")"
echo "first page, size 500: p99 $(p99 "$URL/v1/customers?size=500")"

echo "== walking $DEPTH customers"
TOKEN_AT_DEPTH=
walked=0
page=$(curl -fsS -H "$AUTH" "$URL/v1/customers?size=500")
while ((walked < DEPTH)); do
    walked=$((walked + 500))
    TOKEN_AT_DEPTH=$(json continuationToken <<<"$page")
    page=$(curl -fsS -H "$AUTH" -H "MS-ContinuationToken: $TOKEN_AT_DEPTH" "$URL/v1/customers?seekOperation=Next")
done
echo "RssAnon after walking $walked customers: $(awk '/RssAnon/ { print $2, $3 }' "/proc/$SERVER/status")"
echo "continuation page at depth $walked (size 500): p99 $(p99 -H "MS-ContinuationToken: $TOKEN_AT_DEPTH" "$URL/v1/customers?seekOperation=Next")"

search() {
    local filter
    filter=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.dumps({"Field": sys.argv[1], "Value": sys.argv[2], "Operator": "starts_with"})))' "$1" "$2")
    echo "starts_with $1 \"$2\" ($3): p99 $(p99 "$URL/v1/customers?size=100&filter=$filter")"
}
search CompanyName "Contoso" "common"
search CompanyName "Wingtip Trey 99999" "rare"
search CompanyName "Zzz" "none"
search Domain "scale4242" "rare"
search Domain "nothing" "none"

size=$(du -cb "$WORK"/scale.db* | awk 'END { print $1 }')
echo "bytes stored: $size ($((size / COUNT)) per customer, no idempotency records: the bulk path writes none)"
