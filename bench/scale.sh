#!/usr/bin/env bash
# Scale harness (not a test): builds a store of SCALE_CUSTOMERS customers (default 1,000,000)
# of one partner through partnerd's own bulk path (`partnerd import`, ten thousand customers a
# transaction), then serves it and measures, with wrk and curl on loopback:
#   the import rate; cold start (launch to the first 200 of /_partnerd/ready); the first list
#   page (size 100 and 500) p99; a continuation page at depth SCALE_DEPTH (default 200,000)
#   p99; starts_with searches for common, middling and rare prefixes and one nothing has, on
#   CompanyName and Domain; RssAnon after walking SCALE_DEPTH customers; bytes stored per
#   customer. Every p99 is taken at one connection and at eight. The HTTP create rate is
#   bench/run.sh's "create customer" row.
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
    if [[ -n "$SERVER" ]]; then
        # The server is not this shell's child (the cold-start probe launched it): wait for
        # it by polling, bounded.
        kill "$SERVER" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
    fi
    if [[ "${SCALE_KEEP:-0}" == 1 ]]; then echo "scale: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

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
# Cold start: from launch to the first 200 of /_partnerd/ready, polled every millisecond by
# the process that launches the server (a curl per poll would add its own start-up).
SERVER=$(python3 - "$PARTNERD" "$HOST:$PORT" "$DB" "$URL/_partnerd/ready" "$WORK/serve.log" <<'PY'
import os, subprocess, sys, time, urllib.request
partnerd, listen, db, ready, log = sys.argv[1:]
def start():
    started = time.monotonic()
    server = subprocess.Popen([partnerd, "serve", "--listen", listen, "--database", db],
                              stdout=open(log, "a"), stderr=subprocess.STDOUT,
                              env={**os.environ, "RUST_LOG": "warn"})
    for _ in range(5000):
        try:
            with urllib.request.urlopen(ready, timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.001)
    return server, (time.monotonic() - started) * 1000
# The first start follows the import, while the kernel still writes the new file back; the
# second is a process start on a database at rest.
server, first = start()
server.terminate()
server.wait()
server, second = start()
print(f"cold start to ready: {first:.0f} ms right after the import, {second:.0f} ms after a restart "
      "(launch, open, migrations check, listen)", file=sys.stderr)
print(server.pid)
PY
)
TOKEN=$("$PARTNERD" token --database "$DB" --tenant "$TENANT" | tail -n 1 | tr -d '[:space:]')
AUTH="Authorization: Bearer $TOKEN"

# p99 of a request, at one connection (the request's own time) and at eight (on two cores,
# mostly the time spent waiting for the seven others).
p99() {
    local one eight
    one=$(wrk -t1 -c1 -d "$DURATION" --latency -H "$AUTH" "$@" | awk '/^ +99%/ { print $2 }')
    eight=$(wrk -t1 -c8 -d "$DURATION" --latency -H "$AUTH" "$@" | awk '/^ +99%/ { print $2 }')
    echo "p99 $one (1 connection), $eight (8)"
}
echo "first page, size 100: $(p99 "$URL/v1/customers?size=100")"
echo "first page, size 500: $(p99 "$URL/v1/customers?size=500")"

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
echo "continuation page at depth $walked (size 500): $(p99 -H "MS-ContinuationToken: $TOKEN_AT_DEPTH" "$URL/v1/customers?seekOperation=Next")"

search() {
    local filter
    filter=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.dumps({"Field": sys.argv[1], "Value": sys.argv[2], "Operator": "starts_with"})))' "$1" "$2")
    echo "starts_with $1 \"$2\" ($3, size $4): $(p99 "$URL/v1/customers?size=$4&filter=$filter")"
}
search CompanyName "Contoso" "common: the key index holds more than its cap, a walk" 100
search CompanyName "Contoso" "common, the heaviest page" 500
search CompanyName "Contoso Contoso" "a few thousand: the key index" 100
search CompanyName "Wingtip Trey 99999" "rare" 100
search CompanyName "Zzz" "none" 100
search Domain "scale4242" "rare" 100
search Domain "nothing" "none" 100

size=$(du -cb "$WORK"/scale.db* | awk 'END { print $1 }')
echo "bytes stored: $size ($((size / COUNT)) per customer, no idempotency records: the bulk path writes none)"
