#!/usr/bin/env bash
# Runs the SDK's examples against a started partnerd: the seed's billing-profile update and
# the reseller-relationship removal, with app+user credentials from `partnerd partner create`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cargo build --quiet -p partnerd-cli -p partnerd-sdk --bins --examples
DB="sqlite://$WORK/partnerd.db"
start_partnerd "SDK Examples" "$DB"
export PC_BASE_URL="http://127.0.0.1:$PORT" PC_TENANT=$(field tenantId) PC_CLIENT_ID=$(field clientId)
export PC_CLIENT_SECRET=$(field clientSecret) PC_USERNAME=$(field userName) PC_PASSWORD=$(field userPassword)
TOKEN=$("$BIN" token --database "$DB" --tenant "$PC_TENANT" --user)
export PC_CUSTOMER_ID=$(curl -fsS "$PC_BASE_URL/v1/customers" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{
  "companyProfile":{"domain":"sdkexamplescustomer.onmicrosoft.com"},
  "billingProfile":{"email":"ada@contoso.com","culture":"en-US","language":"en","companyName":"Contoso",
  "defaultAddress":{"country":"US","city":"Redmond","state":"WA","addressLine1":"One Microsoft Way","postalCode":"98052"}}}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
cargo run --quiet -p partnerd-sdk --example update_customer_billing_profile
cargo run --quiet -p partnerd-sdk --example remove_reseller_relationship
# The removal really happened: the partner no longer sees the customer.
STATUS=$(curl -s -o /dev/null -w '%{http_code}' "$PC_BASE_URL/v1/customers/$PC_CUSTOMER_ID" -H "Authorization: Bearer $TOKEN")
[[ "$STATUS" == 403 ]] || { echo "expected 403 after the removal, got $STATUS"; exit 1; }
echo "SDK examples ran against partnerd"
