#!/usr/bin/env bash
# Benchmark harness (not a test): a storm of wrong client secrets. Starts a release partnerd,
# sends 1,000 client_credentials requests with a wrong secret at 16-way concurrency (each
# costs an argon2id check: 19 MiB and tens of milliseconds of one core), and meanwhile
# measures the latency of authenticated GETs of a billing profile from another process.
# Prints the server's resident memory (VmRSS after the storm, VmHWM its peak, from
# /proc/PID/status), the GET latencies before and during the storm, the answers the storm got,
# and PASS/FAIL against the targets: peak RSS < 150 MB, GET p95 during the storm < 25 ms.
# partnerd runs with the caller's RUST_LOG (its default filter is "info").
#
# Usage: bench/storm.sh          (from anywhere; builds the release binary first)
#
# Environment:
#   STORM_REQUESTS     wrong-secret token requests                 default 1000
#   STORM_CONCURRENCY  of them at once                             default 16
#   STORM_PORT         partnerd's port                             default 18483
#   STORM_RSS_TARGET_MB / STORM_P95_TARGET_MS                      default 150 / 25
#   BENCH_QUIET_WAIT   seconds to wait for other cargo/rustc/test processes to finish before
#                      measuring (0: do not wait)                  default 300
#   BENCH_NO_BUILD=1   use the existing target/release/partnerd
#   BENCH_KEEP=1       keep the temporary directory (database, log)
#
# Exit status: 0 when both targets are met, 1 when one is not, 2 when the harness cannot run.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

REQUESTS=${STORM_REQUESTS:-1000}
CONCURRENCY=${STORM_CONCURRENCY:-16}
PORT=${STORM_PORT:-18483}
RSS_TARGET_MB=${STORM_RSS_TARGET_MB:-150}
P95_TARGET_MS=${STORM_P95_TARGET_MS:-25}
QUIET_WAIT=${BENCH_QUIET_WAIT:-300}

HOST=127.0.0.1
URL="http://$HOST:$PORT"

die() {
    echo "storm: $*" >&2
    exit 2
}

# --- build and tools ------------------------------------------------------------------------

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    echo "== building the release binary (cargo waits if another build holds the lock)"
    (cd "$ROOT" && cargo build --release -p partnerd-cli)
fi
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PARTNERD="$TARGET_DIR/release/partnerd"
[[ -x "$PARTNERD" ]] || die "missing $PARTNERD (build with: cargo build --release -p partnerd-cli)"
command -v curl >/dev/null 2>&1 || die "curl is required"
command -v python3 >/dev/null 2>&1 || die "python3 is required"
[[ -r /proc/self/status ]] || die "/proc is required to read the server's memory"

# --- server -----------------------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/partnerd-storm.XXXXXX")
DB="sqlite://$WORK/storm.db"
PID=

cleanup() {
    if [[ -n "$PID" ]]; then
        kill "$PID" 2>/dev/null || true
        # Graceful shutdown, bounded: still running after 5 s, it is killed.
        for ((n = 0; n < 50; n++)); do
            kill -0 "$PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
        echo "storm: kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Something already listening would answer in our server's stead.
if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
    die "$HOST:$PORT is already in use: set STORM_PORT"
fi

echo "== starting partnerd on $URL"
"$PARTNERD" serve --listen "$HOST:$PORT" --database "$DB" >"$WORK/partnerd.log" 2>&1 &
PID=$!
for ((i = 0; i < 300; i++)); do
    curl -fsS -o /dev/null --max-time 1 "$URL/_partnerd/health" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || {
        tail -n 20 "$WORK/partnerd.log" >&2 || true
        die "partnerd exited before it was ready"
    }
    sleep 0.1
done
curl -fsS -o /dev/null --max-time 1 "$URL/_partnerd/health" ||
    die "partnerd was not ready at $URL within 30s"

# --- fixture: partner, token, customer -------------------------------------------------------

# The value of a top-level string field of a one-line JSON object (the first occurrence).
json_field() {
    grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | sed 's/.*:"\(.*\)"/\1/'
}

PARTNER_JSON=$("$PARTNERD" partner create --database "$DB" --name "Storm Partner" --customer-cap 0 --json)
TENANT=$(json_field tenantId <<<"$PARTNER_JSON")
CLIENT=$(json_field clientId <<<"$PARTNER_JSON")
[[ -n "$TENANT" && -n "$CLIENT" ]] || die "partner create printed no tenantId or clientId: $PARTNER_JSON"
TOKEN=$("$PARTNERD" token --database "$DB" --tenant "$TENANT" | tail -n 1 | tr -d '[:space:]')
[[ -n "$TOKEN" ]] || die "partnerd token printed nothing"

CUSTOMER_BODY='{"companyProfile":{"domain":"stormco.onmicrosoft.com"},"billingProfile":{"firstName":"Ada","lastName":"Lovelace","email":"ada@contoso.com","culture":"en-US","language":"en","companyName":"Contoso","defaultAddress":{"country":"US","city":"Redmond","state":"WA","addressLine1":"One Microsoft Way","postalCode":"98052","phoneNumber":"4255550100"}}}'
STATUS=$(curl -sS --max-time 10 -o "$WORK/customer.json" -w '%{http_code}' \
    -X POST "$URL/v1/customers" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data-binary "$CUSTOMER_BODY")
[[ "$STATUS" == 201 ]] || die "POST /v1/customers answered $STATUS: $(cat "$WORK/customer.json")"
CUSTOMER=$(json_field id <"$WORK/customer.json")
[[ -n "$CUSTOMER" ]] || die "the created customer has no id"

# --- quiet machine -------------------------------------------------------------------------------

# Other builds and test runs on this machine distort the figures.
busy() {
    pgrep -x cargo >/dev/null || pgrep -x rustc >/dev/null || pgrep -x clippy-driver >/dev/null ||
        pgrep -x rustdoc >/dev/null ||
        pgrep -f '/target/[^/]+/deps/[A-Za-z0-9_]+-[0-9a-f]{16}( |$)' >/dev/null
}
QUIET=yes
if busy; then
    echo "   other cargo/rustc/test processes are running; waiting at most ${QUIET_WAIT}s"
    deadline=$((SECONDS + QUIET_WAIT))
    while busy && ((SECONDS < deadline)); do
        sleep 1
    done
    busy && QUIET=no
fi

# --- the storm ------------------------------------------------------------------------------------

echo "== $REQUESTS wrong-secret token requests, $CONCURRENCY at once, while GETs are timed"
export STORM_URL="$URL" STORM_PID="$PID" STORM_TENANT="$TENANT" STORM_CLIENT="$CLIENT" \
    STORM_TOKEN="$TOKEN" STORM_CUSTOMER="$CUSTOMER" STORM_REQUESTS="$REQUESTS" \
    STORM_CONCURRENCY="$CONCURRENCY"
cat >"$WORK/storm.py" <<'PY'
import http.client
import multiprocessing
import os
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

URL = urllib.parse.urlsplit(os.environ["STORM_URL"])
PID = os.environ["STORM_PID"]
TENANT = os.environ["STORM_TENANT"]
CLIENT = os.environ["STORM_CLIENT"]
TOKEN = os.environ["STORM_TOKEN"]
PROFILE = f"/v1/customers/{os.environ['STORM_CUSTOMER']}/profiles/billing"
REQUESTS = int(os.environ["STORM_REQUESTS"])
CONCURRENCY = int(os.environ["STORM_CONCURRENCY"])


def memory_kb(field):
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/{PID}/status")


def connect():
    return http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)


def get_latencies(stop, out, count=None):
    """Times GETs of the billing profile on one kept-alive connection, one after another,
    until `stop` is set (or `count` are done); puts the milliseconds of each on `out`, or
    what went wrong."""
    try:
        conn = connect()
        headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
        times = []
        while not stop.is_set() and (count is None or len(times) < count):
            start = time.perf_counter()
            conn.request("GET", PROFILE, headers=headers)
            response = conn.getresponse()
            response.read()
            took = (time.perf_counter() - start) * 1000
            if response.status != 200:
                raise RuntimeError(f"GET {PROFILE} answered {response.status}")
            times.append(took)
            # About 100 GETs a second: a steady probe, not a load of its own.
            time.sleep(0.01)
        out.put(times)
    except Exception as e:  # the parent waits on `out`: it must hear of any failure
        out.put(f"{type(e).__name__}: {e}")


def latencies(out):
    """The timer's figures, or the end of the run if it failed."""
    times = out.get(timeout=900)
    if isinstance(times, str):
        raise SystemExit(f"the GET timer failed: {times}")
    if not times:
        raise SystemExit("the GET timer timed nothing")
    return times


def wrong_secrets(n, statuses):
    """Sends `n` client_credentials requests with a wrong secret on one connection."""
    conn = connect()
    body = urllib.parse.urlencode({
        "grant_type": "client_credentials",
        "client_id": CLIENT,
        "client_secret": "not-the-secret",
        "scope": "https://api.partnercenter.microsoft.com/.default",
    })
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(n):
        conn.request("POST", f"/{TENANT}/oauth2/v2.0/token", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        statuses.append(response.status)


def percentile(times, p):
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def figures(name, times):
    print(f"{name}_count {len(times)}")
    for p in (50, 95, 99):
        print(f"{name}_p{p}_ms {percentile(times, p):.2f}")
    print(f"{name}_max_ms {max(times):.2f}")


if __name__ == "__main__":
    # The timer runs in a process of its own, so that the storm's threads do not hold the
    # interpreter lock while a GET is being timed.
    results = multiprocessing.Queue()
    never = multiprocessing.Event()
    quiet = multiprocessing.Process(target=get_latencies, args=(never, results, 300), daemon=True)
    quiet.start()
    quiet_times = latencies(results)
    quiet.join()
    rss_before = memory_kb("VmRSS")

    stop = multiprocessing.Event()
    timer = multiprocessing.Process(target=get_latencies, args=(stop, results), daemon=True)
    timer.start()
    time.sleep(0.2)
    statuses = []
    peak = [0]

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], memory_kb("VmRSS"))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    shares = [REQUESTS // CONCURRENCY + (1 if i < REQUESTS % CONCURRENCY else 0)
              for i in range(CONCURRENCY)]
    try:
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            for done in [pool.submit(wrong_secrets, n, statuses) for n in shares]:
                done.result()
    finally:
        stop.set()
    storm_secs = time.perf_counter() - started
    storm_times = latencies(results)
    timer.join()
    sampler.join()

    print(f"storm_secs {storm_secs:.2f}")
    print("storm_statuses " + " ".join(f"{s}x{n}" for s, n in sorted(Counter(statuses).items())))
    print(f"rss_before_kb {rss_before}")
    print(f"rss_storm_max_kb {max(peak[0], memory_kb('VmRSS'))}")
    print(f"rss_after_kb {memory_kb('VmRSS')}")
    print(f"rss_peak_kb {memory_kb('VmHWM')}")
    figures("quiet", quiet_times)
    figures("storm", storm_times)
PY
# From a file rather than stdin: the timer's process must be able to import the script.
python3 "$WORK/storm.py" >"$WORK/report.txt" ||
    die "the storm failed (partnerd's log: $WORK/partnerd.log, with BENCH_KEEP=1)"

# --- report -------------------------------------------------------------------------------------

field() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/report.txt"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

statuses=$(sed -n 's/^storm_statuses //p' "$WORK/report.txt")
peak_kb=$(field rss_peak_kb)
p95=$(field storm_p95_ms)
[[ -n "$peak_kb" && -n "$p95" ]] || die "the storm printed no figures: $(cat "$WORK/report.txt")"

echo
echo "partnerd $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown);" \
    "$(nproc) CPUs; $REQUESTS wrong secrets, $CONCURRENCY at once, in $(field storm_secs) s;" \
    "RUST_LOG=${RUST_LOG:-<unset>}; quiet machine: $QUIET"
echo "storm answers (status x count): $statuses"
echo "RSS: $(mb "$(field rss_before_kb)") MB before, $(mb "$(field rss_storm_max_kb)") MB" \
    "at most during, $(mb "$(field rss_after_kb)") MB after; peak (VmHWM) $(mb "$peak_kb") MB"
printf '%-22s %8s %8s %8s %8s %8s\n' "GET billing profile" count p50 p95 p99 max
for phase in quiet storm; do
    printf '%-22s %8s %8s %8s %8s %8s\n' "  $phase (ms)" "$(field "${phase}_count")" \
        "$(field "${phase}_p50_ms")" "$(field "${phase}_p95_ms")" "$(field "${phase}_p99_ms")" \
        "$(field "${phase}_max_ms")"
done

FAILED=0
if [[ "$statuses" != "401x$REQUESTS" ]]; then
    echo "storm: not every wrong secret got 401 ($statuses); 429 means the check queue was full" >&2
fi
verdict() {
    awk -v x="$2" -v t="$3" 'BEGIN { print (x + 0 < t + 0 ? "PASS" : "FAIL") }'
}
rss_result=$(verdict rss "$(mb "$peak_kb")" "$RSS_TARGET_MB")
p95_result=$(verdict p95 "$p95" "$P95_TARGET_MS")
printf 'peak RSS %s MB (target < %s MB): %s\n' "$(mb "$peak_kb")" "$RSS_TARGET_MB" "$rss_result"
printf 'GET p95 during the storm %s ms (target < %s ms): %s\n' "$p95" "$P95_TARGET_MS" "$p95_result"
[[ $rss_result == PASS && $p95_result == PASS ]] || FAILED=1
exit "$FAILED"
