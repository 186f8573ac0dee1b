#!/usr/bin/env bash
# Benchmark harness (not a test): authenticated GET and PUT (If-Match: *) of a billing
# profile on partnerd, against a bare axum endpoint answering a fixed profile of the same
# size (bench/baseline), both on loopback, measured with wrk. Prints requests/sec of each,
# the ratios, and PASS/FAIL against the targets (GET >= 0.5 x bare, PUT >= 0.25 x bare).
# Also partnerd against itself: GET with Accept: application/xml (target >= 0.8 x the JSON
# GET) and customer creation with a new MS-RequestId per request (a figure, no target).
# Last, the latency percentiles (50, 75, 90, 99) of every case.
# partnerd runs with the caller's RUST_LOG (its default filter is "info").
#
# Usage: bench/run.sh            (from anywhere; builds release binaries first)
#
# Environment:
#   BENCH_THREADS      wrk threads (-t)                      default 1
#   BENCH_CONNECTIONS  wrk connections (-c)                  default 32
#   BENCH_DURATION     measured run per case (-d)            default 10s
#   BENCH_WARMUP       discarded warm-up per case (-d)       default 2s
#   BENCH_ROUNDS       rounds of the four cases; the table shows medians  default 3
#   BENCH_PARTNERD_PORT / BENCH_BASELINE_PORT                default 18481 / 18491
#   BENCH_QUIET_WAIT   seconds, in all, to wait for other cargo/rustc/test processes to
#                      finish before each measurement (0: do not wait)   default 300
#   BENCH_USER=1       an app+user token instead of an app-only one: every request then
#                      also goes into the request history behind the MFA reports
#   BENCH_SERVE_ARGS   extra flags for partnerd serve (e.g. --request-history-days 0)
#   BENCH_PACE_MS      each connection waits this many ms between requests: a steady load
#                      below saturation, where the latency columns (not the ratios, which
#                      then only say both servers kept up) are what to compare
#   BENCH_NO_BUILD=1   use the existing target/release binaries
#   BENCH_KEEP=1       keep the temporary directory (database, logs, wrk outputs)
#
# Exit status: 0 when every case passes, 1 when one fails, 2 when the harness cannot run.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

THREADS=${BENCH_THREADS:-1}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
ROUNDS=${BENCH_ROUNDS:-3}
PARTNERD_PORT=${BENCH_PARTNERD_PORT:-18481}
BASELINE_PORT=${BENCH_BASELINE_PORT:-18491}
QUIET_WAIT=${BENCH_QUIET_WAIT:-300}
GET_TARGET=0.5
PUT_TARGET=0.25
XML_TARGET=0.8

HOST=127.0.0.1
PARTNERD_URL="http://$HOST:$PARTNERD_PORT"
BASELINE_URL="http://$HOST:$BASELINE_PORT"

die() {
    echo "bench: $*" >&2
    exit 2
}

# --- build and tools ------------------------------------------------------------------------

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    echo "== building release binaries (cargo waits if another build holds the lock)"
    (cd "$ROOT" && cargo build --release -p partnerd-cli -p partnerd-bench-baseline)
fi
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PARTNERD="$TARGET_DIR/release/partnerd"
BASELINE="$TARGET_DIR/release/partnerd-bench-baseline"
[[ -x "$PARTNERD" ]] || die "missing $PARTNERD (build with: cargo build --release -p partnerd-cli)"
[[ -x "$BASELINE" ]] || die "missing $BASELINE (build with: cargo build --release -p partnerd-bench-baseline)"

if ! command -v wrk >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing wrk from the distribution's packages"
        apt-get update -qq && apt-get install -y -qq wrk >/dev/null
    else
        die "wrk is not installed: run 'sudo apt-get install -y wrk' (Debian/Ubuntu) and retry"
    fi
fi
command -v curl >/dev/null 2>&1 || die "curl is required"

# --- servers ----------------------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/partnerd-bench.XXXXXX")
DB="sqlite://$WORK/bench.db"
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    # Graceful shutdown, bounded: whatever still runs after 5 s is killed.
    for pid in "${PIDS[@]}"; do
        for ((n = 0; n < 50; n++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
        echo "bench: kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Polls URL until it answers 200, for at most $2 seconds.
wait_ready() {
    local url=$1 limit=$2 pid=$3 name=$4 i
    for ((i = 0; i < limit * 10; i++)); do
        if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then
            kill -0 "$pid" 2>/dev/null && return 0
        fi
        kill -0 "$pid" 2>/dev/null || {
            tail -n 20 "$WORK/$name.log" >&2 || true
            die "$name exited before it was ready"
        }
        sleep 0.1
    done
    tail -n 20 "$WORK/$name.log" >&2 || true
    die "$name was not ready at $url within ${limit}s"
}

# Something already listening would answer the readiness probes in our servers' stead.
for port in "$PARTNERD_PORT" "$BASELINE_PORT"; do
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
        die "$HOST:$port is already in use: set BENCH_PARTNERD_PORT / BENCH_BASELINE_PORT"
    fi
done

echo "== starting partnerd on $PARTNERD_URL and the baseline on $BASELINE_URL"
# shellcheck disable=SC2086 # BENCH_SERVE_ARGS is a list of flags
"$PARTNERD" serve --listen "$HOST:$PARTNERD_PORT" --database "$DB" ${BENCH_SERVE_ARGS:-} >"$WORK/partnerd.log" 2>&1 &
PIDS+=($!)
wait_ready "$PARTNERD_URL/_partnerd/health" 30 "${PIDS[-1]}" partnerd
"$BASELINE" "$HOST:$BASELINE_PORT" >"$WORK/baseline.log" 2>&1 &
PIDS+=($!)
wait_ready "$BASELINE_URL/v1/customers/00000000-0000-0000-0000-000000000000/profiles/billing" \
    30 "${PIDS[-1]}" baseline

# --- fixture: partner, token, customer, profile -------------------------------------------------

# The value of a top-level string field of a one-line JSON object (the first occurrence).
json_field() {
    grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | sed 's/.*:"\(.*\)"/\1/'
}

PARTNER_JSON=$("$PARTNERD" partner create --database "$DB" --name "Bench Partner" --customer-cap 0 --json)
TENANT=$(json_field tenantId <<<"$PARTNER_JSON")
[[ -n "$TENANT" ]] || die "partner create printed no tenantId: $PARTNER_JSON"
USER_FLAG=()
[[ "${BENCH_USER:-0}" == 1 ]] && USER_FLAG=(--user)
TOKEN=$("$PARTNERD" token --database "$DB" --tenant "$TENANT" "${USER_FLAG[@]}" | tail -n 1 | tr -d '[:space:]')
[[ -n "$TOKEN" ]] || die "partnerd token printed nothing"
AUTH="Authorization: Bearer $TOKEN"

CUSTOMER_BODY='{"companyProfile":{"domain":"benchco.onmicrosoft.com"},"billingProfile":{"firstName":"Ada","lastName":"Lovelace","email":"ada@contoso.com","culture":"en-US","language":"en","companyName":"Contoso","defaultAddress":{"country":"US","city":"Redmond","state":"WA","addressLine1":"One Microsoft Way","postalCode":"98052","phoneNumber":"4255550100"}}}'
STATUS=$(curl -sS --max-time 10 -o "$WORK/customer.json" -w '%{http_code}' \
    -X POST "$PARTNERD_URL/v1/customers" -H "$AUTH" -H 'Content-Type: application/json' \
    --data-binary "$CUSTOMER_BODY")
[[ "$STATUS" == 201 ]] || die "POST /v1/customers answered $STATUS: $(cat "$WORK/customer.json")"
CUSTOMER=$(json_field id <"$WORK/customer.json")
[[ -n "$CUSTOMER" ]] || die "the created customer has no id"
PROFILE_PATH="/v1/customers/$CUSTOMER/profiles/billing"

# Fetches $1 into $2 with the token; prints the status code.
get_to() {
    curl -sS --max-time 10 -o "$2" -w '%{http_code}' -H "$AUTH" "$1"
}
# PUTs $WORK/put.json to $1 (If-Match: *) into $2; prints the status code.
put_to() {
    curl -sS --max-time 10 -o "$2" -w '%{http_code}' -X PUT -H "$AUTH" -H 'If-Match: *' \
        -H 'Content-Type: application/json' --data-binary "@$WORK/put.json" "$1"
}

STATUS=$(get_to "$PARTNERD_URL$PROFILE_PATH" "$WORK/put.json")
[[ "$STATUS" == 200 ]] || die "partnerd GET $PROFILE_PATH answered $STATUS"
STATUS=$(put_to "$PARTNERD_URL$PROFILE_PATH" "$WORK/partnerd-put.json")
[[ "$STATUS" == 200 ]] || die "partnerd PUT answered $STATUS: $(cat "$WORK/partnerd-put.json")"
STATUS=$(get_to "$PARTNERD_URL$PROFILE_PATH" "$WORK/partnerd-get.json")
[[ "$STATUS" == 200 ]] || die "partnerd GET after PUT answered $STATUS"
STATUS=$(get_to "$BASELINE_URL$PROFILE_PATH" "$WORK/baseline-get.json")
[[ "$STATUS" == 200 ]] || die "baseline GET answered $STATUS"
STATUS=$(put_to "$BASELINE_URL$PROFILE_PATH" "$WORK/baseline-put.json")
[[ "$STATUS" == 200 ]] || die "baseline PUT answered $STATUS"

size() { wc -c <"$1" | tr -d ' '; }
echo "== response bodies: partnerd GET $(size "$WORK/partnerd-get.json") B," \
    "PUT $(size "$WORK/partnerd-put.json") B; baseline GET $(size "$WORK/baseline-get.json") B," \
    "PUT $(size "$WORK/baseline-put.json") B; PUT request body $(size "$WORK/put.json") B"
SIZE_GAP=$(($(size "$WORK/partnerd-get.json") - $(size "$WORK/baseline-get.json")))
if ((SIZE_GAP > 8 || SIZE_GAP < -8)); then
    echo "bench: warning: the bodies differ by $SIZE_GAP bytes (more than the ETag's width)" >&2
fi

# --- quiet machine -------------------------------------------------------------------------------

# Other builds and test runs on this machine distort the figures.
busy() {
    pgrep -x cargo >/dev/null || pgrep -x rustc >/dev/null || pgrep -x clippy-driver >/dev/null ||
        pgrep -x rustdoc >/dev/null ||
        pgrep -f '/target/[^/]+/deps/[A-Za-z0-9_]+-[0-9a-f]{16}( |$)' >/dev/null
}
QUIET=yes
QUIET_DEADLINE=$((SECONDS + QUIET_WAIT))
# Waits for quiet until the shared deadline; records when a measurement could not be quiet.
await_quiet() {
    if busy; then
        echo "   other cargo/rustc/test processes are running; waiting at most $((QUIET_DEADLINE - SECONDS))s"
        while busy && ((SECONDS < QUIET_DEADLINE)); do
            sleep 1
        done
        busy && QUIET=no
    fi
    return 0
}

# --- measurements ------------------------------------------------------------------------------

export BENCH_PUT_BODY="$WORK/put.json"
WRK_ARGS=(-t "$THREADS" -c "$CONNECTIONS" -H "$AUTH" --latency)

# Runs wrk (warm-up, then measured) and records the output in $WORK/<name>.txt.
measure() {
    local name=$1 url=$2
    shift 2
    echo "== $name: ${WARMUP} warm-up, ${DURATION} measured (-t$THREADS -c$CONNECTIONS)"
    await_quiet
    wrk "${WRK_ARGS[@]}" -d "$WARMUP" "$@" "$url" >/dev/null
    wrk "${WRK_ARGS[@]}" -d "$DURATION" "$@" "$url" >"$WORK/$name.txt"
    busy && QUIET=no
    return 0
}

for ((round = 1; round <= ROUNDS; round++)); do
    measure "get-baseline-$round" "$BASELINE_URL$PROFILE_PATH" -s "$BENCH_DIR/pace.lua"
    measure "get-partnerd-$round" "$PARTNERD_URL$PROFILE_PATH" -s "$BENCH_DIR/pace.lua"
    # The XML GET right after the JSON GET, so the two see the same conditions.
    measure "xml-partnerd-$round" "$PARTNERD_URL$PROFILE_PATH" -H "Accept: application/xml" \
        -s "$BENCH_DIR/pace.lua"
    measure "put-baseline-$round" "$BASELINE_URL$PROFILE_PATH" -s "$BENCH_DIR/put.lua"
    measure "put-partnerd-$round" "$PARTNERD_URL$PROFILE_PATH" -s "$BENCH_DIR/put.lua"
done
# Creates last: each round adds tens of thousands of customers, which would change what the
# other cases measure.
for ((round = 1; round <= ROUNDS; round++)); do
    measure "create-partnerd-$round" "$PARTNERD_URL/v1/customers" -s "$BENCH_DIR/create.lua"
done

# --- report ------------------------------------------------------------------------------------

rps() { awk '/^Requests\/sec:/ { print $2 }' "$WORK/$1.txt"; }
requests() { awk '/requests in/ { sub(",", "", $1); print $1 }' "$WORK/$1.txt"; }
non2xx() { awk '/Non-2xx or 3xx responses:/ { print $NF }' "$WORK/$1.txt"; }
p99() { awk '/^ +99%/ { print $2 }' "$WORK/$1.txt"; }
errors() { sed -n 's/^ *Socket errors: *//p' "$WORK/$1.txt"; }
# The latency at percentile $2 (50, 75, 90 or 99) of case $1, in milliseconds.
pct() {
    awk -v p="$2%" '$1 == p {
        v = $2 + 0
        if ($2 ~ /us$/) v /= 1000; else if ($2 ~ /ms$/) v *= 1; else if ($2 ~ /s$/) v *= 1000
        print v
    }' "$WORK/$1.txt"
}
# The median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo
echo "partnerd $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown);" \
    "$(nproc) CPUs; wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS round(s);" \
    "RUST_LOG=${RUST_LOG:-<unset>}; quiet machine: $QUIET"
if ((ROUNDS > 1)); then
    echo "requests/sec per round (baseline / partnerd):"
    for op in get put; do
        line="  ${op^^}:"
        for ((round = 1; round <= ROUNDS; round++)); do
            line+=" $(rps "$op-baseline-$round") / $(rps "$op-partnerd-$round");"
        done
        echo "${line%;}"
    done
fi
printf '%-5s %14s %14s %10s %10s %7s %9s  %s\n' \
    case "bare req/s" "partnerd req/s" "bare p99" "pd p99" ratio target result
FAILED=0
for op in get put; do
    target=$GET_TARGET
    [[ $op == put ]] && target=$PUT_TARGET
    base=$(for ((r = 1; r <= ROUNDS; r++)); do rps "$op-baseline-$r"; done | median)
    real=$(for ((r = 1; r <= ROUNDS; r++)); do rps "$op-partnerd-$r"; done | median)
    # The ratio is the median of each round's ratio: a round measures both servers back to
    # back, so pairing them cancels drift in the machine's speed between rounds.
    ratio_median=$(for ((r = 1; r <= ROUNDS; r++)); do
        awk -v x="$(rps "$op-partnerd-$r")" -v y="$(rps "$op-baseline-$r")" 'BEGIN { if (y + 0 > 0) print x / y; else print 0 }'
    done | median)
    verdict=$(awk -v q="$ratio_median" -v t="$target" \
        'BEGIN { if (q + 0 > 0) printf "%.3f %s", q, (q >= t ? "PASS" : "FAIL"); else print "n/a FAIL" }')
    ratio=${verdict% *}
    result=${verdict#* }
    for side in baseline partnerd; do
        for ((r = 1; r <= ROUNDS; r++)); do
            bad=$(non2xx "$op-$side-$r")
            if [[ -n "$bad" ]]; then
                echo "bench: ${op^^} on $side, round $r: $bad of $(requests "$op-$side-$r")" \
                    "responses were not 2xx/3xx" >&2
                result=FAIL
            fi
            err=$(errors "$op-$side-$r")
            [[ -z "$err" ]] || echo "bench: ${op^^} on $side, round $r: socket errors: $err" >&2
        done
    done
    [[ $result == PASS ]] || FAILED=1
    printf '%-5s %14.0f %14.0f %10s %10s %7s %9s  %s\n' "${op^^}" "$base" "$real" \
        "$(p99 "$op-baseline-$ROUNDS")" "$(p99 "$op-partnerd-$ROUNDS")" "$ratio" ">= $target" "$result"
done
# partnerd against itself: the XML GET against the JSON GET, and the create rate.
json_get=$(for ((r = 1; r <= ROUNDS; r++)); do rps "get-partnerd-$r"; done | median)
xml_get=$(for ((r = 1; r <= ROUNDS; r++)); do rps "xml-partnerd-$r"; done | median)
create=$(for ((r = 1; r <= ROUNDS; r++)); do rps "create-partnerd-$r"; done | median)
xml_ratio=$(for ((r = 1; r <= ROUNDS; r++)); do
    awk -v x="$(rps "xml-partnerd-$r")" -v y="$(rps "get-partnerd-$r")" 'BEGIN { if (y + 0 > 0) print x / y; else print 0 }'
done | median)
verdict=$(awk -v q="$xml_ratio" -v t="$XML_TARGET" \
    'BEGIN { if (q + 0 > 0) printf "%.3f %s", q, (q >= t ? "PASS" : "FAIL"); else print "n/a FAIL" }')
for name in xml create; do
    for ((r = 1; r <= ROUNDS; r++)); do
        bad=$(non2xx "$name-partnerd-$r")
        if [[ -n "$bad" ]]; then
            echo "bench: $name, round $r: $bad of $(requests "$name-partnerd-$r") responses were not 2xx/3xx" >&2
            verdict="${verdict% *} FAIL"
        fi
    done
done
printf '%-5s %14s %14s %10s %10s %7s %9s  %s\n' \
    "XML" "json req/s" "xml req/s" "json p99" "xml p99" "ratio" ">= $XML_TARGET" "${verdict#* }"
printf '%-5s %14.0f %14.0f %10s %10s %7s\n' "" "$json_get" "$xml_get" \
    "$(p99 "get-partnerd-$ROUNDS")" "$(p99 "xml-partnerd-$ROUNDS")" "${verdict% *}"
[[ ${verdict#* } == PASS ]] || FAILED=1
printf 'create customer (MS-RequestId on each, so each stores an idempotency record): %.0f req/s, p99 %s\n' \
    "$create" "$(p99 "create-partnerd-$ROUNDS")"
((ROUNDS == 1)) || echo "(req/s are medians over the rounds, ratios the medians of each round's ratio; p99 latencies are the last round's)"
echo
echo "latency of every case, ms (medians over the rounds):"
printf '  %-26s %8s %8s %8s %8s\n' case p50 p75 p90 p99
for name in get-baseline get-partnerd xml-partnerd put-baseline put-partnerd create-partnerd; do
    line=$(printf '  %-26s' "$name")
    for p in 50 75 90 99; do
        line+=$(printf ' %8.3f' "$(for ((r = 1; r <= ROUNDS; r++)); do pct "$name-$r" "$p"; done | median)")
    done
    echo "$line"
done
exit "$FAILED"
