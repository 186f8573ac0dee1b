#!/usr/bin/env bash
# Tries deploy/nginx.conf for real: a fresh PostgreSQL database, three partnerd nodes on
# 127.0.0.1:18101-18103, nginx on 127.0.0.1:18100 in front of them, and traffic through the
# balancer: a token, customers created and read, an ETag race, and a continuation token that
# crosses nodes. Needs root (it installs nginx from the distribution's packages if missing,
# and starts PostgreSQL through .ci/postgres.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }
.ci/postgres.sh >/dev/null
cargo build --quiet --release -p partnerd-cli
BIN=target/release/partnerd
WORK=$(mktemp -d)
ADMIN_URL=${PARTNERD_TEST_POSTGRES:-postgres://partnerd:partnerd@127.0.0.1:5432/partnerd}
NAME="partnerd_nginx_$$"
DB="${ADMIN_URL%/*}/$NAME"
PIDS=()
cleanup() {
    [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql "$ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $NAME" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

psql "$ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $NAME"
"$BIN" partner create --database "$DB" --name "Behind nginx" --customer-cap 0 --json > "$WORK/partner.json"
for port in 18101 18102 18103; do
    RUST_LOG=warn "$BIN" serve --listen "127.0.0.1:$port" --database "$DB" --admin-token nginx > "$WORK/node-$port.log" 2>&1 &
    PIDS+=($!)
done
for port in 18101 18102 18103; do
    for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/_partnerd/ready" >/dev/null 2>&1 && break; sleep 0.1; done
done
# The configuration as committed, with the pid and log files moved into the work directory.
sed -e "s|^worker_processes auto;|worker_processes auto;\npid $WORK/nginx.pid;\nerror_log $WORK/nginx-error.log;|" \
    -e "s|^http {|http {\n    access_log $WORK/nginx-access.log;\n    client_body_temp_path $WORK/body;\n    proxy_temp_path $WORK/proxy;|" \
    deploy/nginx.conf > "$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf"
for _ in $(seq 1 50); do curl -fsS http://127.0.0.1:18100/_partnerd/health >/dev/null 2>&1 && break; sleep 0.1; done

python3 - "$WORK/partner.json" <<'PY'
import json, sys, threading, urllib.request, urllib.error, urllib.parse
BASE = "http://127.0.0.1:18100"
p = json.load(open(sys.argv[1]))
def call(method, path, body=None, headers=None, form=None):
    data = urllib.parse.urlencode(form).encode() if form else (json.dumps(body).encode() if body is not None else None)
    r = urllib.request.Request(BASE + path, data=data, method=method)
    if body is not None: r.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items(): r.add_header(k, v)
    try:
        with urllib.request.urlopen(r, timeout=20) as resp: return resp.status, json.loads(resp.read() or b"null"), dict(resp.headers)
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read() or b"null"), dict(e.headers)
status, tok, _ = call("POST", "/%s/oauth2/token" % p["tenantId"], form={"grant_type": "client_credentials",
    "client_id": p["clientId"], "client_secret": p["clientSecret"], "resource": "https://api.partnercenter.microsoft.com"})
assert status == 200, tok
auth = {"Authorization": "Bearer " + tok["access_token"]}
servers = set()
ids = []
for i in range(9):
    body = {"companyProfile": {"domain": "nginx%d.onmicrosoft.com" % i}, "billingProfile": {"email": "a@b.co",
        "culture": "en-US", "language": "en", "companyName": "Nginx %d" % i, "defaultAddress": {"country": "US",
        "state": "WA", "city": "Redmond", "addressLine1": "1 Way", "postalCode": "98052"}}}
    status, c, h = call("POST", "/v1/customers", body, auth)
    assert status == 201, c
    servers.add(h.get("MS-ServerId") or h.get("ms-serverid"))
    ids.append(c["id"])
assert len(servers) == 3, "round robin reached every node: %s" % servers
# A scan whose pages come from different nodes.
seen, path, headers = [], "/v1/customers?size=2", dict(auth)
while True:
    status, page, _ = call("GET", path, None, headers)
    assert status == 200, page
    seen += [item["id"] for item in page["items"]]
    nxt = page["links"].get("next")
    if not nxt: break
    path = "/v1" + nxt["uri"]
    headers = dict(auth, **{h["key"]: h["value"] for h in nxt["headers"]})
assert seen == ids, (seen, ids)
# An ETag race through the balancer.
status, profile, _ = call("GET", "/v1/customers/%s/profiles/billing" % ids[0], None, auth)
results = []
def put(n):
    body = dict(profile, companyName="Writer %d" % n)
    results.append(call("PUT", "/v1/customers/%s/profiles/billing" % ids[0], body, dict(auth, **{"If-Match": '"%s"' % profile["attributes"]["etag"]}))[0])
threads = [threading.Thread(target=put, args=(n,)) for n in range(24)]
[t.start() for t in threads]; [t.join() for t in threads]
assert results.count(200) == 1 and results.count(412) == 23, results
print("nginx in front of 3 nodes: %d creates over %d nodes, a 5-page scan across nodes, 1 of 24 racing PUTs won" % (len(ids), len(servers)))
PY
