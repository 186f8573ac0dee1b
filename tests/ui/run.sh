#!/usr/bin/env bash
# The dashboard in a real browser: installs Debian's chromium and Node.js when missing (as
# root, from the distribution's packages), playwright-core and axe-core from npm (exact
# versions, package-lock.json; no browser download), starts partnerd with a partner, and runs
# dashboard.mjs. Screenshots land in $PARTNERD_UI_SCREENSHOTS (default artifacts/dashboard/).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SHOTS=${PARTNERD_UI_SCREENSHOTS:-$ROOT/artifacts/dashboard}
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}

missing=()
[[ -n $CHROMIUM ]] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
    [[ $(id -u) -eq 0 ]] || { echo "ui: install ${missing[*]} first" >&2; exit 1; }
    echo "== installing ${missing[*]} from the distribution's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    CHROMIUM=$(command -v chromium)
fi

cd "$ROOT/tests/ui"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null
cd "$ROOT"

[[ -x $BIN ]] || cargo build -q -p partnerd-cli
ADMIN_TOKEN=ui-test-admin-token-$$
start_partnerd "Contoso CSP" "sqlite://$WORK/ui.db" --admin-token "$ADMIN_TOKEN"
rm -rf "$SHOTS"
BASE="http://127.0.0.1:$PORT" ADMIN_TOKEN=$ADMIN_TOKEN TENANT=$(field tenantId) SCREENSHOTS=$SHOTS \
    CHROMIUM=$CHROMIUM timeout 300 node tests/ui/dashboard.mjs
