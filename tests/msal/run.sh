#!/usr/bin/env bash
# Starts partnerd over TLS on loopback and runs msal_flows.py against it with MSAL for
# Python from PyPI, in a virtual environment under target/. Exit status is the script's.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

VENV=target/msal-venv
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "msal>=1.24" requests

cargo build --quiet -p partnerd
BIN=target/debug/partnerd
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DB="sqlite://$WORK/partnerd.db"
SERVER_PID=
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" migrate --database "$DB" >/dev/null
"$BIN" partner create --database "$DB" --name "MSAL Proof" --json > "$WORK/partner.json"
RUST_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --database "$DB" --tls-self-signed > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    grep -q "listening on https" "$WORK/serve.log" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }
    sleep 0.1
done
grep -q "listening on https" "$WORK/serve.log" || { echo "partnerd did not start"; cat "$WORK/serve.log"; exit 1; }
CA=$(sed -n 's/^TLS CA certificate.*: //p' "$WORK/serve.log")

timeout 120 "$VENV/bin/python" tests/msal/msal_flows.py "https://127.0.0.1:$PORT" "$CA" "$WORK/partner.json"
