#!/usr/bin/env bash
# Stops and starts the PostgreSQL cluster under a write load on a partnerd node, and checks:
# 503/990006 with Retry-After and a failing /_partnerd/ready while it is down, recovery
# without a restart, and no acknowledged write lost or doubled. Needs root (pg_ctlcluster);
# run it on its own: it takes the shared cluster down.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
.ci/postgres.sh >/dev/null
cargo build --quiet -p partnerd-cli
BIN=target/debug/partnerd
WORK=$(mktemp -d)
NAME="partnerd_outage_$$"
ADMIN_URL=${PARTNERD_TEST_POSTGRES:-postgres://partnerd:partnerd@127.0.0.1:5432/partnerd}
DB="${ADMIN_URL%/*}/$NAME"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
SERVER_PID=; LOAD_PID=
cleanup() {
    pg_ctlcluster 15 main start 2>/dev/null || true
    [[ -n "$LOAD_PID" ]] && kill "$LOAD_PID" 2>/dev/null || true
    [[ -n "$SERVER_PID" ]] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
    psql "$ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $NAME" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

psql "$ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $NAME"
"$BIN" partner create --database "$DB" --name Outage --customer-cap 0 --json > "$WORK/partner.json"
TENANT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tenantId"])' "$WORK/partner.json")
RUST_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --database "$DB" --admin-token outage > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fsS "$BASE/_partnerd/ready" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN=$("$BIN" token --database "$DB" --tenant "$TENANT")

python3 tests/outage/load.py "$BASE" "$TOKEN" "$WORK/stop" "$WORK/report.json" &
LOAD_PID=$!
sleep 3
echo "== stopping PostgreSQL"
pg_ctlcluster 15 main stop -m fast
sleep 1
READY=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/_partnerd/ready")
HEADERS=$(curl -s -D - -o "$WORK/down.json" -H "Authorization: Bearer $TOKEN" "$BASE/v1/customers")
echo "ready while down: $READY"; echo "a read while down: $(head -1 <<<"$HEADERS") $(cat "$WORK/down.json")"
[[ "$READY" == 503 ]] || { echo "ready did not fail while the store was down"; exit 1; }
grep -q '"code":990006' "$WORK/down.json" || { echo "no 990006 while the store was down"; exit 1; }
grep -qi '^retry-after:' <<<"$HEADERS" || { echo "no Retry-After while the store was down"; exit 1; }
sleep 3
echo "== starting PostgreSQL"
pg_ctlcluster 15 main start
for _ in $(seq 1 300); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/_partnerd/ready")" == 200 ]] && break
    sleep 0.1
done
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/_partnerd/ready")" == 200 ]] || { echo "no recovery"; exit 1; }
echo "== recovered without a restart"
sleep 3
touch "$WORK/stop"
wait "$LOAD_PID"; LOAD_PID=
python3 - "$WORK/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["acknowledged"] > 0, r
assert not r["missing"], "acknowledged writes lost: %s" % r["missing"]
assert r["listed"] == r["acknowledged"], "writes doubled or lost: %s" % r
assert r["failures"]["503_without_retry_after"] == 0, r
assert not r["failures"]["other"], r
print("outage: %d acknowledged writes, none lost or doubled; %d 503s and %d connection errors retried"
      % (r["acknowledged"], r["failures"]["503"], r["failures"]["connection"]))
PY
