#!/usr/bin/env bash
# Drives the client CLI (`partnerd customers|billing|domains|addresses|qualifications|agreements|
# users|security|incidents|seed`)
# against a started partnerd
# and checks its output and its exit codes; and the store commands' output a script reads
# (`keys list`, `export --output`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cargo build --quiet -p partnerd-cli
DB="sqlite://$WORK/partnerd.db"
ADMIN_TOKEN=cli-admin
start_partnerd "Northwind CLI Partner" "$DB" --admin-token "$ADMIN_TOKEN"
export PC_BASE_URL="http://127.0.0.1:$PORT" PC_TENANT=$(field tenantId) PC_CLIENT_ID=$(field clientId)
export PC_CLIENT_SECRET=$(field clientSecret)
# Keep the user's own profile file out of the test.
export XDG_CONFIG_HOME="$WORK/config"

fail() { echo "cli: $*" >&2; exit 1; }
# expect CODE CMD...: runs CMD, keeps its stdout in $OUT, and checks its exit code.
expect() {
    local want=$1; shift
    set +e; OUT=$("$BIN" "$@" 2>"$WORK/err"); local got=$?; set -e
    [[ $got == "$want" ]] || fail "partnerd $* exited $got, expected $want: $(cat "$WORK/err")"
}
json() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print($1)" "$OUT"; }
# control METHOD PATH [BODY]: a control-plane request with the admin token.
control() {
    curl -fsS -X "$1" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
        "$PC_BASE_URL/_partnerd$2" ${3:+-d "$3"} >/dev/null
}

expect 0 customers list
[[ "$OUT" == ID* ]] || fail "list without customers should print the header: $OUT"

expect 0 customers create --domain clitest --company "Contoso CLI" --email ada@contoso.com \
    --country US --city Redmond --state WA --address-line1 "One Microsoft Way" --postal-code 98052 --json
ID=$(json 'd["id"]')
[[ $(json 'd["companyProfile"]["domain"]') == clitest.onmicrosoft.com ]] || fail "domain: $OUT"

# The same domain again: a conflict.
expect 5 customers create --domain clitest --company X --email a@b.com --country US \
    --city Redmond --state WA --address-line1 "1 Way" --postal-code 98052
grep -q "code:" "$WORK/err" || fail "errors should print the Partner Center code"

for i in 1 2 3; do
    expect 0 customers create --domain "clitest$i" --company "Fabrikam $i" --email "b$i@fabrikam.com" \
        --country GB --city London --address-line1 "$i Fleet Street" --postal-code "EC4Y 1AA"
done
expect 0 customers list --json
[[ $(json 'len(d)') == 4 ]] || fail "list --json should hold 4 customers: $OUT"
expect 0 customers list --limit 2 --json
[[ $(json 'len(d)') == 2 ]] || fail "--limit 2: $OUT"
expect 0 customers list
[[ $(grep -c "onmicrosoft.com" <<<"$OUT") == 4 ]] || fail "table rows: $OUT"
grep -q "Contoso CLI" <<<"$OUT" || fail "table should name the company: $OUT"
expect 0 customers list --json
GONE=$(json '[c["id"] for c in d if c["companyProfile"]["domain"] == "clitest3.onmicrosoft.com"][0]')
expect 0 customers delete "$GONE"
expect 3 customers delete "$GONE"
expect 0 customers list --json
[[ $(json 'len(d)') == 3 ]] || fail "a deleted customer should leave the list: $OUT"

# The table form of create shows the new admin's password, the only time it is ever shown.
expect 0 customers create --domain clitable --company "Table Co" --email t@table.com \
    --first-name Ada --last-name Lovelace \
    --country US --city Redmond --state WA --address-line1 "One Microsoft Way" --postal-code 98052
grep -Eq "^admin password: +[^ ]+" <<<"$OUT" || fail "create should show the admin password: $OUT"
TABLE_ID=$(awk 'NR == 2 {print $1}' <<<"$OUT")
expect 0 billing get "$TABLE_ID" --json
[[ $(json 'd["firstName"] + " " + d["lastName"]') == "Ada Lovelace" ]] || fail "--first-name, --last-name: $OUT"
# `domains check` completes a bare name the way `create --domain` does.
expect 0 domains check clitable
[[ "$OUT" == "clitable.onmicrosoft.com: taken" ]] || fail "domains check of a bare name: $OUT"
expect 0 customers delete "$TABLE_ID"
expect 3 domains check clitable

# Address validation: the verdict is the exit code, the suggestion is printed.
expect 0 addresses validate --country US --city Redmond --state wa --address-line1 "1 Microsoft Way" --postal-code 98052
[[ "$OUT" == VerifiedShippable* ]] || fail "addresses validate: $OUT"
expect 0 addresses validate --country US --city Redmond --state WA --address-line1 "Microsoft Way" --postal-code 98052 --json
[[ $(json 'd["status"] + "|" + d["suggestedAddresses"][0]["addressLine1"]') == "StreetPartial|1 Microsoft Way" ]] || fail "street partial: $OUT"
expect 6 addresses validate --country US --city Redmond --state WA --address-line1 "1 Microsoft Way" --postal-code 980
[[ "$OUT" == None:*postalCode* ]] || fail "an invalid address: $OUT"
expect 0 addresses rules pt --json
[[ $(json 'd["postalCodeRegex"]') == '^\d{4}(-\d{3})?$' ]] || fail "PT rules: $OUT"
expect 0 addresses rules US
grep -q "WA" <<<"$OUT" || fail "US rules table: $OUT"
expect 3 addresses rules UK
grep -q "No validation rules were found for the country/region UK" "$WORK/err" || fail "UK: $(cat "$WORK/err")"

expect 0 customers get "$ID"
grep -q "$ID" <<<"$OUT" || fail "get: $OUT"
expect 3 customers get 00000000-0000-0000-0000-000000000000

# Throttling: every second get answers 429 (with Retry-After: 1). The SDK retries it by
# itself, and the command says so on standard error instead of seeming to hang.
control POST /faults '{"method":"GET","route":"/v1/customers/*","everyNth":2,"effect":{"kind":"error","status":429,"code":990006}}'
expect 0 customers get "$ID"
expect 0 customers get "$ID"
grep -q "throttled (429); retrying in" "$WORK/err" || fail "a throttled retry should say so: $(cat "$WORK/err")"
control DELETE /faults

expect 0 billing get "$ID" --json
ETAG=$(json 'd["attributes"]["etag"]')
expect 0 billing set "$ID" --first-name Grace --last-name Hopper --city Seattle --json
[[ $(json 'd["firstName"] + " " + d["lastName"] + " " + d["defaultAddress"]["city"] + " " + d["defaultAddress"]["addressLine1"]') == "Grace Hopper Seattle One Microsoft Way" ]] \
    || fail "billing set should change only the given fields: $OUT"
[[ $(json 'd["attributes"]["etag"]') != "$ETAG" ]] || fail "billing set should change the etag"
expect 0 billing get "$ID"
grep -q "Hopper" <<<"$OUT" || fail "billing get table: $OUT"
expect 6 billing set "$ID" --email not-an-email
# A set that names no field is a usage error, and the message names the fields.
expect 2 billing set "$ID"
grep -q -- "--first-name" "$WORK/err" && grep -q -- "--postal-code" "$WORK/err" \
    || fail "billing set without a field: $(cat "$WORK/err")"

expect 0 domains check clitest.onmicrosoft.com
expect 3 domains check nobody-has-this.onmicrosoft.com
[[ "$OUT" == *free* ]] || fail "domains check: $OUT"

# Qualifications: the partner's codes, then a GCC qualification using one (app+user only).
expect 0 qualifications codes --json
CODE=$(json 'd[0]["validationId"]')
[[ $(json 'd[0]["remainingCreates"]') == 5 ]] || fail "qualifications codes: $OUT"
expect 0 qualifications codes
grep -q "5/5" <<<"$OUT" || fail "codes table: $OUT"
expect 4 qualifications add "$ID" --qualification gcc --code "$CODE"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) \
    expect 0 qualifications add "$ID" --qualification gcc --code "$CODE"
[[ "$OUT" == "GovernmentCommunityCloud: Approved" ]] || fail "qualifications add: $OUT"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) \
    expect 6 qualifications add "$ID" --qualification education
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) \
    expect 5 qualifications add "$ID" --qualification education --segment k12
expect 0 qualifications list "$ID"
grep -q "GovernmentCommunityCloud  Approved" <<<"$OUT" || fail "qualifications list: $OUT"
expect 0 qualifications codes --json
[[ $(json 'd[0]["remainingCreates"]') == 4 ]] || fail "a create used: $OUT"

# Agreements: the catalogue, a confirmation (app+user), its duplicate (409: exit 5), the list.
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) expect 0 agreements templates
grep -q "117a77b0-9360-443b-8795-c6dedc750cf9  MicrosoftCustomerAgreement" <<<"$OUT" || fail "templates: $OUT"
expect 4 agreements confirm "$ID" --contact "Ada Lovelace <ada@contoso.com>"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) \
    expect 0 agreements confirm "$ID" --contact "Ada King Lovelace <ada@contoso.com>" --phone "+1 425 555 0100"
[[ "$OUT" == "MicrosoftCustomerAgreement confirmed for $ID on "* ]] || fail "agreements confirm: $OUT"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) \
    expect 5 agreements confirm "$ID" --contact "Ada King Lovelace <ada@contoso.com>" --phone "+1 425 555 0100"
grep -q "600061" "$WORK/err" || fail "a duplicate confirmation: $(cat "$WORK/err")"
expect 2 agreements confirm "$ID" --contact "Ada"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) expect 0 agreements list "$ID" --json
[[ $(json 'd["items"][0]["primaryContact"]["lastName"]') == "King Lovelace" ]] || fail "agreements list: $OUT"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) expect 0 agreements document --country DE --language de-DE
grep -q "^download: http" <<<"$OUT" || fail "agreements document: $OUT"

# The MFA reports (app+user), and service incidents.
expect 4 security requests
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) expect 0 security requests --json
[[ $(json 'd["totalCount"] > 0 and all(i["mfaCompliant"] for i in d["items"])') == True ]] || fail "security requests: $OUT"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) expect 0 security requests
grep -q "Post /v{version}/customers/{customer_id}/agreements" <<<"$OUT" || fail "requests table: $OUT"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) expect 0 security principals --json
[[ $(json 'd["totalCount"]') == 0 ]] || fail "security principals: $OUT"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) expect 0 security adoption
grep -q "Northwind CLI Partner app" <<<"$OUT" || fail "security adoption: $OUT"
expect 0 incidents list --open
grep -q "SP100002" <<<"$OUT" && ! grep -q "TM100003" <<<"$OUT" || fail "incidents list --open: $OUT"

# A customer's users and directory roles (app+user only): the admin made with the customer,
# a user with a password the command makes, a role by name, delete and restore.
expect 4 users list "$ID"
U() { PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) expect "$@"; }
U 0 users list "$ID"
grep -q "admin@clitest.onmicrosoft.com  admin" <<<"$OUT" || fail "users list: $OUT"
U 0 users create "$ID" --upn grace@clitest.onmicrosoft.com --display-name "Grace Hopper" --json
USER=$(json 'd["id"]')
PASSWORD=$(json 'd["password"]')
[[ ${#PASSWORD} -ge 16 ]] || fail "a made password is printed once: $OUT"
U 5 users create "$ID" --upn GRACE@clitest.onmicrosoft.com --display-name Again --new-password 'Password!1'
grep -q "990001" "$WORK/err" || fail "a taken name: $(cat "$WORK/err")"
U 6 users create "$ID" --upn weak@clitest.onmicrosoft.com --display-name Weak --new-password weakpassword
grep -q "passwordProfile.password" "$WORK/err" || fail "a weak password: $(cat "$WORK/err")"
U 0 users update "$ID" "$USER" --display-name "Rear Admiral Hopper" --json
[[ $(json 'd["displayName"]') == "Rear Admiral Hopper" ]] || fail "users update: $OUT"
U 0 users reset-password "$ID" "$USER" --force-change
grep -q "shown only now" <<<"$OUT" || fail "users reset-password: $OUT"
U 0 users add-role "$ID" "$USER" "helpdesk administrator"
U 0 users roles "$ID" "$USER"
grep -q "729827e3-9c14-49f7-bb1b-9608f156bbb8  Helpdesk Administrator" <<<"$OUT" || fail "users roles: $OUT"
U 0 users role-members "$ID" "Helpdesk Administrator" --json
[[ $(json 'd[0]["id"]') == "$USER" ]] || fail "users role-members: $OUT"
U 3 users add-role "$ID" "$USER" "Chief Vibes Officer"
U 0 users remove-role "$ID" "$USER" 729827e3-9c14-49f7-bb1b-9608f156bbb8
U 0 users delete "$ID" "$USER"
U 3 users get "$ID" "$USER"
U 0 users list "$ID" --deleted --json
[[ $(json 'd[0]["state"]') == inactive ]] || fail "users list --deleted: $OUT"
U 0 users restore "$ID" "$USER" --json
[[ $(json 'd["state"]') == active ]] || fail "users restore: $OUT"
U 0 users list "$ID" --name rear --json
[[ $(json 'len(d)') == 1 ]] || fail "users list --name: $OUT"

# App-only tokens may not end relationships; app+user ones may.
expect 4 customers remove-relationship "$ID"
grep -q "2032" "$WORK/err" || fail "app-only removal: $(cat "$WORK/err")"
PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword) expect 0 customers remove-relationship "$ID"
expect 4 customers get "$ID"

# Seeding: realistic customers through the API, several at a time, and a summary.
expect 0 seed --customers 40 --concurrency 8 --json
[[ $(json 'd["created"], d["failed"], d["requested"]') == "40 0 40" ]] || fail "seed: $OUT"
expect 0 customers list --json
[[ $(json 'len(d)') == 42 ]] || fail "seeded customers should be listed: $OUT"
expect 0 seed --customers 3
[[ "$OUT" == "created 3 of 3 customers"* ]] || fail "seed summary: $OUT"
# The sandbox partner's cap (75) stops a large seed part way: the summary counts the refusals
# by status and code, and the exit code is not 0.
set +e; "$BIN" seed --customers 40 --concurrency 4 --json >"$WORK/seed.json" 2>/dev/null; got=$?; set -e
[[ $got != 0 ]] || fail "a seed with failures should not exit 0"
OUT=$(cat "$WORK/seed.json")
[[ $(json 'd["created"] + d["failed"]') == 40 && $(json 'd["created"]') == 30 ]] || fail "capped seed: $OUT"
[[ $(json 'sum(d["errors"].values())') == 10 ]] || fail "capped seed errors: $OUT"
# On a terminal (a pty from util-linux's `script`) a progress bar is drawn on standard error.
OUT=$(script -qec "'$BIN' seed --customers 2" /dev/null || true)
[[ "$OUT" == *"[##############################] 2/2"*"errors 2"* && "$OUT" == *"created 0 of 2"* ]] \
    || fail "seed progress bar on a terminal: $OUT"

# Credentials and endpoints.
PC_CLIENT_SECRET=wrong expect 4 customers list
env -u PC_CLIENT_SECRET "$BIN" customers list >/dev/null 2>&1 && fail "a missing secret should fail"
set +e; env -u PC_CLIENT_SECRET "$BIN" customers list >/dev/null 2>&1; [[ $? == 8 ]] || fail "missing secret: exit 8"; set -e
PC_BASE_URL=http://127.0.0.1:9 expect 7 customers list
# A CA file that is not there: the message says where its path came from.
expect 8 customers list --ca-cert "$WORK/no-such-ca.pem"
grep -q -- "--ca-cert, PC_CA_CERT" "$WORK/err" || fail "missing CA file: $(cat "$WORK/err")"
PC_CA_CERT="$WORK/no-such-ca.pem" expect 8 customers list
grep -q "no-such-ca.pem" "$WORK/err" || fail "missing CA file from PC_CA_CERT: $(cat "$WORK/err")"

# Store commands beside the running server: key dates are RFC 3339 UTC, and an export
# written to a file (private keys inside) is readable by its owner alone, even when the file
# was there before with a wider mode.
KEYS=$("$BIN" keys list --database "$DB")
CREATED=$'\tcreated [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'
[[ "$KEYS" =~ $CREATED ]] || fail "keys list should print RFC 3339 dates: $KEYS"
touch "$WORK/export.jsonl"
chmod 644 "$WORK/export.jsonl"
"$BIN" export --database "$DB" --output "$WORK/export.jsonl" 2>/dev/null
[[ $(stat -c %a "$WORK/export.jsonl") == 600 ]] || fail "export --output should be mode 600: $(stat -c %a "$WORK/export.jsonl")"
grep -q '"privatePem"' "$WORK/export.jsonl" || fail "the export should hold the signing keys"

# Profile files: named connections, `default` when none is named, flags and PC_ variables win.
mkdir -p "$XDG_CONFIG_HOME/partnerd"
cat > "$XDG_CONFIG_HOME/partnerd/profiles.json" <<JSON
{"local": {"url": "$PC_BASE_URL", "tenant": "$PC_TENANT", "clientId": "$PC_CLIENT_ID",
           "clientSecret": "$PC_CLIENT_SECRET"},
 "default": {"url": "$PC_BASE_URL", "tenant": "$PC_TENANT", "clientId": "$PC_CLIENT_ID",
             "clientSecret": "wrong"}}
JSON
unset PC_BASE_URL PC_TENANT PC_CLIENT_ID PC_CLIENT_SECRET
expect 0 customers list --profile local --limit 1 --json
[[ $(json 'len(d)') == 1 ]] || fail "profile local: $OUT"
expect 4 customers list
PC_CLIENT_SECRET=$(field clientSecret) expect 0 domains check clitest.onmicrosoft.com
PC_PROFILE=local expect 0 domains check clitest.onmicrosoft.com
expect 8 customers list --profile nowhere
echo '{"local": {"secret": "x"}}' > "$WORK/bad.json"
expect 8 customers list --profile-file "$WORK/bad.json" --profile local
grep -q "unknown field" "$WORK/err" || fail "bad profile file: $(cat "$WORK/err")"

# https: partnerd's own CA is refused until --ca-cert (or caCert in a profile) trusts it.
mkdir "$WORK/tls"
TLS_DB="sqlite://$WORK/tls/partnerd.db"
start_partnerd "CLI TLS" "$TLS_DB" --tls-self-signed
TLS_PORT=$PORT
TLS_ARGS=(--url "https://127.0.0.1:$TLS_PORT" --tenant "$(field tenantId)" --client-id "$(field clientId)" --client-secret "$(field clientSecret)")
expect 7 domains check nobody.onmicrosoft.com "${TLS_ARGS[@]}"
grep -q "UnknownIssuer" "$WORK/err" || fail "an untrusted CA should be named: $(cat "$WORK/err")"
expect 3 domains check nobody.onmicrosoft.com "${TLS_ARGS[@]}" --ca-cert "$WORK/tls/tls/ca.pem"
echo "client CLI: every command and exit code checked"
