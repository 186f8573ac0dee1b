#!/usr/bin/env bash
# Starts partnerd over TLS on loopback and runs msal_flows.py against it with MSAL for
# Python from PyPI, in a virtual environment under target/. Exit status is the script's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VENV=target/msal-venv
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "msal>=1.24" requests

cargo build --quiet -p partnerd-cli
DB="sqlite://$WORK/partnerd.db"
start_partnerd "MSAL Proof" "$DB" --tls-self-signed
CA=$(sed -n 's/^TLS CA certificate.*: //p' "$SERVER_LOG")

timeout 120 "$VENV/bin/python" tests/msal/msal_flows.py "https://127.0.0.1:$PORT" "$CA" "$WORK/partner.json"
