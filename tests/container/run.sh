#!/usr/bin/env bash
# The container image, end to end: installs and starts Docker if needed (as root, from the
# distribution's packages), builds the image with deploy/image/build.sh, then
#  1. runs it on a named volume with the example seed file: health check healthy, a token for
#     the seed's fixed credentials, a customer created and read back, `partner create` run as
#     a second container on the same volume (its partner usable at once), SIGTERM stops it cleanly, and a restart on the same
#     volume still has the customer and applies the seed file without change;
#  2. runs test_container.py: Testcontainers for Python (PyPI) starts the image over TLS and
#     MSAL for Python gets a token with the seed's credentials.
# Published ports are bound to 127.0.0.1 only. Every wait is bounded.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

IMAGE=partnerd:ci
NAME=partnerd-ci-$$
VOLUME=partnerd-ci-data-$$
SEED=$ROOT/examples/seed.yaml
TENANT=3f6c2a1e-8b4d-4c7a-9e2f-1a5b6c7d8e90
CLIENT=5b7e9d1c-2a4f-4e6b-8c0d-3f1a2b4c6d8e
SECRET=contoso-ci-secret-please-change
SCOPE=https://api.partnercenter.microsoft.com/.default

# --- Docker ------------------------------------------------------------------------------------

if ! command -v docker >/dev/null 2>&1; then
    [[ $(id -u) -eq 0 ]] || { echo "container: docker is not installed" >&2; exit 1; }
    echo "== installing docker.io from the distribution's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
    [[ $(id -u) -eq 0 ]] || { echo "container: the Docker daemon is not running" >&2; exit 1; }
    echo "== starting dockerd"
    (dockerd >"$WORK/dockerd.log" 2>&1 &)
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    docker info >/dev/null 2>&1 || { cat "$WORK/dockerd.log" >&2; exit 1; }
fi

remove_container() {
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    docker volume rm -f "$VOLUME" >/dev/null 2>&1 || true
}
trap 'remove_container; cleanup' EXIT

# --- the image -----------------------------------------------------------------------------------

deploy/image/build.sh "$IMAGE"
docker image inspect "$IMAGE" --format '{{.Config.User}} {{.Config.Entrypoint}} {{.Config.Cmd}}' |
    grep -qx '65532:65532 \[partnerd\] \[serve\]' || {
    echo "container: unexpected user, entrypoint or command" >&2
    exit 1
}

# --- run, use, stop, restart ------------------------------------------------------------------------

start() {
    docker run -d --name "$NAME" -p 127.0.0.1::8080 -v "$VOLUME:/data" \
        -v "$SEED:/seed.yaml:ro" -e PARTNERD_SEED=/seed.yaml "$IMAGE" >/dev/null
    local status=
    for _ in $(seq 1 60); do
        status=$(docker inspect -f '{{.State.Health.Status}}' "$NAME")
        [[ $status == healthy ]] && break
        [[ $(docker inspect -f '{{.State.Running}}' "$NAME") == true ]] || break
        sleep 1
    done
    if [[ $status != healthy ]]; then
        echo "container: not healthy ($status):" >&2
        docker logs "$NAME" >&2
        exit 1
    fi
    BASE="http://$(docker port "$NAME" 8080/tcp | head -n 1)"
}

token() {
    curl -fsS --max-time 10 "$BASE/$TENANT/oauth2/v2.0/token" \
        -d grant_type=client_credentials -d "client_id=$CLIENT" \
        --data-urlencode "client_secret=$SECRET" --data-urlencode "scope=$SCOPE" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

stop() {
    local started=$SECONDS code
    docker stop -t 20 "$NAME" >/dev/null # SIGTERM, then SIGKILL after 20 s
    code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME")
    if [[ $code != 0 ]] || ((SECONDS - started >= 20)); then
        echo "container: SIGTERM did not stop it cleanly (exit $code)" >&2
        docker logs "$NAME" >&2
        exit 1
    fi
    docker rm "$NAME" >/dev/null
}

echo "== run on a volume with the example seed file"
start
# (Outputs are captured before grep -q reads them: an early exit would break the pipe.)
LOGS=$(docker logs "$NAME" 2>&1)
grep -q "2 partner(s) and 1 customer(s) created" <<<"$LOGS"
TOKEN=$(token)
DOMAIN="ci$$.onmicrosoft.com"
CREATED=$(curl -fsS --max-time 10 -X POST "$BASE/v1/customers" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data-binary @- <<JSON
{"companyProfile":{"domain":"$DOMAIN"},"billingProfile":{"firstName":"Ada","lastName":"Lovelace",
"email":"ada@contoso.com","culture":"en-US","language":"en","companyName":"Container Co",
"defaultAddress":{"country":"US","city":"Redmond","state":"WA","addressLine1":"One Microsoft Way",
"postalCode":"98052","phoneNumber":"4255550100"}}}
JSON
)
CUSTOMER=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$CREATED")
READ=$(curl -fsS --max-time 10 "$BASE/v1/customers/$CUSTOMER" -H "Authorization: Bearer $TOKEN")
grep -q "\"$DOMAIN\"" <<<"$READ"
echo "== another command on the same volume, beside the server"
MADE=$(docker run --rm -v "$VOLUME:/data" "$IMAGE" partner create --name "Container CLI" --json)
MADE_TENANT=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["tenantId"])' "$MADE")
LISTED=$(docker run --rm -v "$VOLUME:/data" "$IMAGE" partner list --json)
grep -q "$TENANT" <<<"$LISTED"
grep -q "$MADE_TENANT" <<<"$LISTED"
# The running server knows the new partner at once.
MADE_TOKEN=$(curl -fsS --max-time 10 "$BASE/$MADE_TENANT/oauth2/v2.0/token" \
    -d grant_type=client_credentials \
    --data-urlencode "client_id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["clientId"])' "$MADE")" \
    --data-urlencode "client_secret=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["clientSecret"])' "$MADE")" \
    --data-urlencode "scope=$SCOPE")
grep -q access_token <<<"$MADE_TOKEN"

echo "== SIGTERM, then a restart on the same volume"
stop
start
LOGS=$(docker logs "$NAME" 2>&1)
grep -q "0 partner(s) and 0 customer(s) created, 0 secret(s)" <<<"$LOGS"
TOKEN=$(token)
READ=$(curl -fsS --max-time 10 "$BASE/v1/customers/$CUSTOMER" -H "Authorization: Bearer $TOKEN")
grep -q "\"$DOMAIN\"" <<<"$READ"
stop
echo "== the image: run, seed, token, customer, SIGTERM and restart all passed"

# --- Testcontainers ------------------------------------------------------------------------------

VENV=target/container-venv
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "testcontainers>=4" "msal>=1.24" requests
# Ryuk, Testcontainers' reaper, is an image from Docker Hub, which this machine may not reach;
# the test stops its container itself.
TESTCONTAINERS_RYUK_DISABLED=true timeout 300 "$VENV/bin/python" tests/container/test_container.py "$IMAGE" "$SEED"
