#!/usr/bin/env bash
# Crash durability on SQLite: eight concurrent writers create customers while `partnerd serve`
# is killed with SIGKILL at random moments and restarted on the same database. Every restart
# must open the store (and the file must pass SQLite's integrity check); afterwards every
# acknowledged create (a 201) must exist, and no customer may exist twice. A writer whose
# request got no answer retries it with the same MS-RequestId once the server is back, and must
# get the stored 201 (a replay) or a fresh one, never a second customer.
#
# Settings (environment): CRASH_CYCLES (10 kills), CRASH_WRITERS (8), CRASH_MIN_MS and
# CRASH_MAX_MS (the load between two kills: 1000 to 3000 ms, chosen at random).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cargo build --quiet -p partnerd-cli

CYCLES=${CRASH_CYCLES:-10}
WRITERS=${CRASH_WRITERS:-8}
MIN_MS=${CRASH_MIN_MS:-1000}
MAX_MS=${CRASH_MAX_MS:-3000}
FILE="$WORK/crash.db"
DB="sqlite://$FILE"
STARTED=$SECONDS

"$BIN" migrate --database "$DB" >/dev/null
# A sandbox partner without the default cap of 75 customers.
"$BIN" partner create --database "$DB" --name "Crash Test" --customer-cap 0 --json >"$WORK/partner.json"
TOKEN=$("$BIN" token --database "$DB" --tenant "$(field tenantId)")
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"

WRITERS_PID=
crash_cleanup() {
    if [[ -n "$WRITERS_PID" ]]; then
        kill "$WRITERS_PID" 2>/dev/null || true
        wait "$WRITERS_PID" 2>/dev/null || true
    fi
    cleanup
}
trap crash_cleanup EXIT

fail() { echo "crash: $*" >&2; exit 1; }

RESTARTS=0
# serve: starts partnerd on the database and the same port, and checks that it is ready and
# that the database file is intact.
serve() {
    local log="$WORK/serve-$RESTARTS.log"
    serve_partnerd "$log" --listen "127.0.0.1:$PORT" --database "$DB" \
        || fail "partnerd did not start on the database after $RESTARTS kill(s)"
    local ready=
    for _ in $(seq 1 100); do
        ready=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/_partnerd/ready" || true)
        [[ "$ready" == 200 ]] && break
        sleep 0.1
    done
    [[ "$ready" == 200 ]] || fail "not ready after $RESTARTS kill(s): $ready; $(cat "$log")"
    python3 - "$FILE" <<'PY' || fail "the database is damaged after $RESTARTS kill(s)"
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
result = [row[0] for row in db.execute("PRAGMA integrity_check")]
db.close()
if result != ["ok"]:
    print("integrity_check:", result, file=sys.stderr)
    sys.exit(1)
PY
}

# crash: SIGKILL, nothing else: no drain, no shutdown, whatever is in flight is cut.
crash() {
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    # Forget the killed process, so that cleanup never signals a reused pid.
    SERVER_PIDS=()
    RESTARTS=$((RESTARTS + 1))
}

cat >"$WORK/writers.py" <<'PY'
"""Writers: each thread creates customers with unique domains, one MS-RequestId per create.

A create that gets no answer (connection refused or reset, timeout) is kept and retried later
with the same MS-RequestId and body; meanwhile the writer goes on with new creates. A 201 is
an acknowledged write. When the stop file appears, every writer retries what it still holds
until it is answered. The acknowledged writes go to the report file as JSON.

usage: writers.py BASE TOKEN WRITERS STOP_FILE REPORT_FILE
"""
import http.client, json, os, sys, threading, time, urllib.error, urllib.request, uuid

BASE, TOKEN, WRITERS, STOP, REPORT = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
RUN = uuid.uuid4().hex[:6]
DRAIN_SECONDS = 120  # how long the retries of held creates may take once stopping


def post(body, request_id, timeout):
    request = urllib.request.Request(BASE + "/v1/customers", data=json.dumps(body).encode(), method="POST")
    for k, v in {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json",
                 "Accept": "application/json", "MS-RequestId": request_id}.items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def customer(domain, n):
    return {"companyProfile": {"domain": domain},
            "billingProfile": {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@contoso.com",
                               "culture": "en-US", "language": "en", "companyName": "Crash %d" % n,
                               "defaultAddress": {"country": "US", "city": "Redmond", "state": "WA",
                                                  "addressLine1": "One Microsoft Way", "postalCode": "98052",
                                                  "firstName": "Ada", "lastName": "Lovelace",
                                                  "phoneNumber": "4255550100"}}}


lock = threading.Lock()
acknowledged, failures = [], []
counts = {"sent": 0, "unanswered": 0, "503": 0}


def writer(w):
    held, n = [], 0  # held: creates sent but not answered, retried with their MS-RequestId
    stop_at = None
    while True:
        now = time.time()
        if stop_at is None and os.path.exists(STOP):
            stop_at = now
        if stop_at is not None and not held:
            return
        if stop_at is not None and now - stop_at > DRAIN_SECONDS:
            with lock:
                failures.append(["never answered", [c["domain"] for c in held]])
            return
        due = [c for c in held if c["next"] <= now]
        if due:
            create = due[0]
        elif stop_at is not None:
            time.sleep(0.05)
            continue
        else:
            n += 1
            domain = "crash%s%dn%d.onmicrosoft.com" % (RUN, w, n)
            create = {"domain": domain, "id": str(uuid.uuid4()), "body": customer(domain, n), "attempts": 0,
                      "first": now}
            held.append(create)
        create["attempts"] += 1
        # A retry runs or replays at once (serve releases the leases a crash left). Should it
        # meet a lease still held, the server holds it until the lease lapses: a short wait while
        # the load goes on, all the time it takes when draining.
        timeout = 10 if create["attempts"] == 1 else (60 if stop_at is not None else 3)
        with lock:
            counts["sent"] += 1
        try:
            status, raw, headers = post(create["body"], create["id"], timeout)
        except (OSError, http.client.HTTPException) as e:
            with lock:
                counts["unanswered"] += 1
            waited = isinstance(e, TimeoutError) or "timed out" in str(e)
            create["next"] = time.time() + (2.0 if waited else 0.2)
            continue
        if status == 201:
            body = json.loads(raw)
            with lock:
                acknowledged.append({"id": body["id"], "domain": create["domain"],
                                     "requestId": create["id"], "attempts": create["attempts"],
                                     "seconds": round(time.time() - create["first"], 3),
                                     "replayed": (headers.get("MS-Idempotent-Replay") or "").lower() == "true"})
            held.remove(create)
        elif status == 503:
            with lock:
                counts["503"] += 1
            create["next"] = time.time() + float(headers.get("Retry-After") or 1)
        else:
            with lock:
                failures.append([create["domain"], create["attempts"], status, raw.decode(errors="replace")[:300]])
            held.remove(create)


threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(REPORT, "w") as out:
    json.dump({"acknowledged": acknowledged, "failures": failures, "counts": counts}, out)
PY

cat >"$WORK/verify.py" <<'PY'
"""Checks the acknowledged writes against the server: every one exists (GET by id, 200, same
domain), every domain is stored once (the whole list, page by page), and nothing is stored
that was not acknowledged. Prints the figures; exits 1 on any loss or duplicate.

usage: verify.py BASE TOKEN REPORT_FILE CYCLES
"""
import collections, concurrent.futures, json, sys, urllib.error, urllib.request

BASE, TOKEN, REPORT, CYCLES = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def get(path, headers=None):
    request = urllib.request.Request(BASE + path)
    request.add_header("Authorization", "Bearer " + TOKEN)
    request.add_header("Accept", "application/json")
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


with open(REPORT) as f:
    report = json.load(f)
acked = report["acknowledged"]

listed = []
status, page = get("/v1/customers?size=500")
while True:
    if status != 200:
        sys.exit("crash: listing the customers failed: %s %s" % (status, page))
    listed += page["items"]
    token = page.get("continuationToken")
    if not token or not page["items"]:
        break
    status, page = get("/v1/customers?seekOperation=Next", {"MS-ContinuationToken": token})

domains = collections.Counter((c.get("companyProfile") or {}).get("domain") for c in listed)
duplicates = {d: k for d, k in domains.items() if k > 1}
listed_ids = {c["id"] for c in listed}


def lost(ack):
    status, body = get("/v1/customers/" + ack["id"])
    if status != 200 or (body.get("companyProfile") or {}).get("domain") != ack["domain"]:
        return [ack, status]
    return None


with concurrent.futures.ThreadPoolExecutor(8) as pool:
    missing = [m for m in pool.map(lost, acked) if m]
acked_ids = [a["id"] for a in acked]
twice_acked = len(acked_ids) - len(set(acked_ids))
unacknowledged = listed_ids - set(acked_ids)
retried = [a for a in acked if a["attempts"] > 1]
replayed = sum(1 for a in retried if a["replayed"])
slowest = max((a["seconds"] for a in retried), default=0)

print("crash: %d cycles of SIGKILL and restart under load; %d acknowledged writes; "
      "%d of them retried with the same MS-RequestId after no answer (%d answered by a replay, "
      "%d by a fresh 201, the slowest acknowledged %.1f s after its first attempt); "
      "%d requests sent, %d unanswered, %d answered 503"
      % (CYCLES, len(acked), len(retried), replayed, len(retried) - replayed, slowest,
         report["counts"]["sent"], report["counts"]["unanswered"], report["counts"]["503"]))
print("crash: lost %d, duplicates %d (domains stored twice %d, ids acknowledged twice %d), "
      "stored without acknowledgement %d, other failures %d"
      % (len(missing), len(duplicates) + twice_acked, len(duplicates), twice_acked,
         len(unacknowledged), len(report["failures"])))
problems = []
if not acked:
    problems.append("no write was acknowledged")
if missing:
    problems.append("acknowledged writes lost: %s" % missing[:10])
if duplicates or twice_acked:
    problems.append("duplicates: %s" % list(duplicates.items())[:10])
if unacknowledged:
    problems.append("customers stored that no writer was told of: %s" % sorted(unacknowledged)[:10])
if report["failures"]:
    problems.append("unexpected answers: %s" % report["failures"][:10])
for p in problems:
    print("crash: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

serve
python3 "$WORK/writers.py" "$BASE" "$TOKEN" "$WRITERS" "$WORK/stop" "$WORK/report.json" &
WRITERS_PID=$!
for cycle in $(seq 1 "$CYCLES"); do
    ms=$((MIN_MS + RANDOM % (MAX_MS - MIN_MS + 1)))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    kill -0 "$WRITERS_PID" 2>/dev/null || fail "the writers stopped early"
    echo "== cycle $cycle: SIGKILL after ${ms} ms of load, then restart"
    crash
    serve
done
# Let the writers settle what they hold (retries wait out the lease of a request cut by the
# last kill), then kill once more, with no load, so that the check also reads the database as
# a crash left it.
sleep 1
touch "$WORK/stop"
wait "$WRITERS_PID" || fail "the writers failed"
WRITERS_PID=
echo "== after the writers: SIGKILL and restart"
crash
serve
python3 "$WORK/verify.py" "$BASE" "$TOKEN" "$WORK/report.json" "$CYCLES"
echo "crash: passed in $((SECONDS - STARTED)) s ($RESTARTS restarts, each opened the store)"
