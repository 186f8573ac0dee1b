"""Proof that Microsoft's own MSAL for Python works against partnerd, unchanged.

Runs the four flows an integrator uses (client credentials, username/password, a silent
refresh, and the device-code flow completed by this script playing the user) against a
partnerd served over TLS, with instance discovery off, and checks that every token works on
the customer API.

usage: msal_flows.py BASE_URL CA_FILE PARTNER_JSON
  BASE_URL      https://127.0.0.1:PORT of a `partnerd serve --tls-self-signed`
  CA_FILE       the CA certificate that serve printed
  PARTNER_JSON  the output of `partnerd partner create --json`
"""

import json
import sys
import threading
import time
import urllib.parse

import msal
import requests

BASE, CA, PARTNER = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
TENANT = PARTNER["tenantId"]
AUTHORITY = f"{BASE}/{TENANT}"
HOST = urllib.parse.urlparse(BASE).hostname
API = "https://api.partnercenter.microsoft.com"


class Session(requests.Session):
    """Trusts partnerd's CA whatever REQUESTS_CA_BUNDLE says, and sends MSAL's user-realm
    lookup (which MSAL always addresses to port 443 of the authority host) to partnerd's port."""

    def __init__(self):
        super().__init__()
        self.trust_env = False
        self.verify = CA

    def request(self, method, url, *args, **kwargs):
        prefix = f"https://{HOST}/common/userrealm/"
        if url.startswith(prefix):
            url = BASE + url[len(f"https://{HOST}"):]
        return super().request(method, url, *args, **kwargs)


def app(cls, **kwargs):
    return cls(PARTNER["clientId"], authority=AUTHORITY, instance_discovery=False,
               http_client=Session(), **kwargs)


def works_on_the_api(result, what):
    assert "access_token" in result, f"{what}: {result}"
    r = requests.get(f"{BASE}/v1/customers", verify=CA,
                     headers={"Authorization": "Bearer " + result["access_token"]})
    assert r.status_code == 200, f"{what}: the API answered {r.status_code} {r.text}"
    print(f"ok: {what}")


# 1. Client credentials (app-only), and the cache on the second call.
cca = app(msal.ConfidentialClientApplication, client_credential=PARTNER["clientSecret"])
result = cca.acquire_token_for_client([f"{API}/.default"])
works_on_the_api(result, "acquire_token_for_client")
assert cca.acquire_token_for_client([f"{API}/.default"])["token_source"] == "cache"

# 2. Username and password (app+user, MFA registered), as a public client.
pca = app(msal.PublicClientApplication)
scopes = [f"{API}/user_impersonation"]
result = pca.acquire_token_by_username_password(PARTNER["userName"], PARTNER["userPassword"], scopes=scopes)
works_on_the_api(result, "acquire_token_by_username_password")
[account] = pca.get_accounts(username=PARTNER["userName"])
assert account["home_account_id"] == f'{result["id_token_claims"]["oid"]}.{TENANT}', account

# 3. Silent: from the cache, then forced through the refresh token.
assert pca.acquire_token_silent(scopes, account=account)["token_source"] == "cache"
result = pca.acquire_token_silent(scopes, account=account, force_refresh=True)
assert result and result.get("token_source") == "identity_provider", result
works_on_the_api(result, "acquire_token_silent (refresh token)")

# 4. Device code, with this script entering the code on partnerd's page.
flow = pca.initiate_device_flow(scopes=scopes)
assert {"user_code", "device_code", "verification_uri", "message"} <= flow.keys(), flow


def enter_the_code():
    time.sleep(flow["interval"] + 1)  # so that MSAL sees authorization_pending first
    r = requests.post(flow["verification_uri"], verify=CA, data={
        "user_code": flow["user_code"], "username": PARTNER["userName"],
        "password": PARTNER["userPassword"]})
    r.raise_for_status()


threading.Thread(target=enter_the_code, daemon=True).start()
result = pca.acquire_token_by_device_flow(flow, exit_condition=lambda flow: time.time() > flow["expires_at"])
works_on_the_api(result, "device-code flow")
print("all MSAL flows work with msal", msal.__version__)
