"""Write load against partnerd while its PostgreSQL goes away and comes back.

Creates customers one after another, each with its own MS-RequestId. A request that fails (503,
connection error, timeout) is retried with the same MS-RequestId until it is answered, as a
well-behaved Partner Center client does. Every acknowledged (201) customer is recorded. The
script stops when the file named by STOP exists, then checks that every acknowledged customer
exists exactly once.

usage: load.py BASE_URL TOKEN STOP_FILE REPORT_FILE
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

BASE, TOKEN, STOP, REPORT = sys.argv[1:5]


def call(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


acknowledged = []
failures = {"503": 0, "503_without_retry_after": 0, "connection": 0, "other": []}
n = 0
while not os.path.exists(STOP):
    n += 1
    request_id = str(uuid.uuid4())
    domain = "outage%06d%s.onmicrosoft.com" % (n, request_id[:6])
    body = {"companyProfile": {"domain": domain}, "billingProfile": {
        "email": "ada@contoso.com", "culture": "en-US", "language": "en", "companyName": "Outage %d" % n,
        "defaultAddress": {"country": "US", "state": "WA", "city": "Redmond",
                           "addressLine1": "One Microsoft Way", "postalCode": "98052"}}}
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            status, raw, headers = call("POST", "/v1/customers", body, {"MS-RequestId": request_id})
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            failures["connection"] += 1
            time.sleep(0.2)
            continue
        if status == 201:
            acknowledged.append(json.loads(raw)["id"])
            time.sleep(0.02)  # a steady load, and fewer customers than one page holds
            break
        if status == 503:
            failures["503"] += 1
            if not any(k.lower() == "retry-after" for k in headers):
                failures["503_without_retry_after"] += 1
            fault = json.loads(raw)
            if fault.get("code") != 990006:
                failures["other"].append([status, fault])
            time.sleep(0.2)
            continue
        failures["other"].append([status, raw.decode(errors="replace")])
        break

missing = [cid for cid in acknowledged if call("GET", "/v1/customers/" + cid)[0] != 200]
status, raw, _ = call("GET", "/v1/customers?size=500")
listed = json.loads(raw)["totalCount"] if status == 200 else -1
report = {"acknowledged": len(acknowledged), "missing": missing, "listed": listed, "failures": failures}
json.dump(report, open(REPORT, "w"))
print(json.dumps(report))
