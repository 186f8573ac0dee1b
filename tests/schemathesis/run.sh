#!/usr/bin/env bash
# Runs schemathesis (from PyPI, in a virtual environment under target/) against a live partnerd
# using partnerd's own OpenAPI document: every operation, generated requests, and the checks
# that no answer is a 5xx and every answer conforms to the document. Fails unless at least
# MIN_REQUESTS requests were made.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
MIN_REQUESTS=${MIN_REQUESTS:-1000}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-60}

VENV=target/st-venv
if [[ ! -x "$VENV/bin/schemathesis" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5"
fi

cargo build --quiet -p partnerd-cli
BIN=target/debug/partnerd
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
DB="sqlite://$WORK/partnerd.db"
ADMIN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
SERVER_PID=
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" migrate --database "$DB" >/dev/null
"$BIN" partner create --database "$DB" --name "Schemathesis" --json > "$WORK/partner.json"
TENANT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tenantId"])' "$WORK/partner.json")
RUST_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --database "$DB" --admin-token "$ADMIN" > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/_partnerd/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }
    sleep 0.1
done
TOKEN=$("$BIN" token --database "$DB" --tenant "$TENANT" --user)
curl -fsS -H "Authorization: Bearer $ADMIN" "$BASE/_partnerd/openapi.json" > "$WORK/openapi.json"

run() {
    "$VENV/bin/schemathesis" run "$WORK/openapi.json" --url "$BASE" \
        --checks not_a_server_error,response_schema_conformance \
        --max-examples "$EXAMPLES" --seed 20261122 --no-shrink \
        --suppress-health-check all --warnings off "$@"
}
# The Partner Center routes with a partner's app+user token; the control plane with the admin
# token (fault rules left out: a generated rule would change what the other answers mean).
run -H "Authorization: Bearer $TOKEN" --include-path-regex '^/v1/'
run -H "Authorization: Bearer $ADMIN" --include-path-regex '^/_partnerd/' --exclude-path-regex '^/_partnerd/faults'

TOTAL=$(curl -fsS -H "Authorization: Bearer $ADMIN" "$BASE/_partnerd/metrics" \
    | awk '/^partnerd_requests_total\{/ { sum += $NF } END { print sum + 0 }')
echo "schemathesis made $TOTAL requests (at least $MIN_REQUESTS required)"
if (( TOTAL < MIN_REQUESTS )); then
    echo "too few requests" >&2
    exit 1
fi
if grep -q "partnerd_requests_total{[^}]*status=\"5" < <(curl -fsS -H "Authorization: Bearer $ADMIN" "$BASE/_partnerd/metrics"); then
    echo "partnerd answered a 5xx" >&2
    exit 1
fi
