# Sourced by the scripts under tests/: the repository root as working directory, a scratch
# directory, free loopback ports, and partnerd servers that stop when the script exits.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=$ROOT/target/debug/partnerd
WORK=$(mktemp -d)
SERVER_PIDS=()

cleanup() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# A TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# serve_partnerd LOG ARGS...: starts `partnerd serve ARGS` and waits (10 s at most) until it
# says it listens. Sets SERVER_PID.
serve_partnerd() {
    local log=$1
    shift
    RUST_LOG=warn "$BIN" serve "$@" >"$log" 2>&1 &
    SERVER_PID=$!
    SERVER_PIDS+=("$SERVER_PID")
    for _ in $(seq 1 100); do
        grep -q "listening on" "$log" 2>/dev/null && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "partnerd did not start:" >&2
    cat "$log" >&2
    return 1
}

# start_partnerd NAME DB [ARGS...]: a fresh store at DB with one partner called NAME (its
# credentials in $WORK/partner.json, read with `field`), served on a free port (PORT) with
# ARGS, logging to SERVER_LOG.
start_partnerd() {
    local name=$1 db=$2
    shift 2
    "$BIN" migrate --database "$db" >/dev/null
    "$BIN" partner create --database "$db" --name "$name" --json >"$WORK/partner.json"
    PORT=$(free_port)
    SERVER_LOG="$WORK/serve-$PORT.log"
    serve_partnerd "$SERVER_LOG" --listen "127.0.0.1:$PORT" --database "$db" "$@"
}

# field NAME: one field of the partner made by start_partnerd.
field() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/partner.json" "$1"
}
