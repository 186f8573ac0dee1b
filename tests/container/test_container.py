"""partnerd's image under Testcontainers for Python, over TLS, with MSAL for Python getting a
token for the example seed file's fixed credentials, and the seeded customer read with it.

Usage: test_container.py IMAGE SEED_FILE
"""

import io
import os
import sys
import tarfile
import tempfile

import msal
import requests
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

TENANT = "3f6c2a1e-8b4d-4c7a-9e2f-1a5b6c7d8e90"
CLIENT_ID = "5b7e9d1c-2a4f-4e6b-8c0d-3f1a2b4c6d8e"
CLIENT_SECRET = "contoso-ci-secret-please-change"
CUSTOMER = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
SCOPE = ["https://api.partnercenter.microsoft.com/.default"]


def copy_out(container, path):
    """A file of the container (the image has no shell, so no `cat`)."""
    stream, _ = container.get_wrapped_container().get_archive(path)
    archive = tarfile.open(fileobj=io.BytesIO(b"".join(stream)))
    member = archive.getmembers()[0]
    return archive.extractfile(member).read()


def main():
    image, seed = sys.argv[1], os.path.abspath(sys.argv[2])
    partnerd = (
        DockerContainer(image)
        .with_env("PARTNERD_SEED", "/seed.yaml")
        .with_env("PARTNERD_TLS_SELF_SIGNED", "true")
        .with_volume_mapping(seed, "/seed.yaml", "ro")
        .waiting_for(LogMessageWaitStrategy("partnerd listening on").with_startup_timeout(60))
    )
    # Published on loopback only, on a free port: Docker's (address,) binding, which
    # with_bind_ports has no parameter for.
    partnerd.ports["8080/tcp"] = ("127.0.0.1",)
    with partnerd:
        base = f"https://127.0.0.1:{partnerd.get_exposed_port(8080)}"
        with tempfile.NamedTemporaryFile(suffix=".pem", delete=False) as ca:
            ca.write(copy_out(partnerd, "/data/tls/ca.pem"))
        session = requests.Session()
        session.verify = ca.name
        session.trust_env = False

        app = msal.ConfidentialClientApplication(
            CLIENT_ID,
            client_credential=CLIENT_SECRET,
            authority=f"{base}/{TENANT}",
            instance_discovery=False,
            http_client=session,
        )
        result = app.acquire_token_for_client(SCOPE)
        assert "access_token" in result, result
        r = session.get(
            f"{base}/v1/customers/{CUSTOMER}",
            headers={"Authorization": f"Bearer {result['access_token']}"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        assert r.json()["billingProfile"]["companyName"] == "Fabrikam Retail", r.text
        health = session.get(f"{base}/_partnerd/ready", timeout=10)
        assert health.status_code == 200, health.text
    print("testcontainers: MSAL token and the seeded customer over TLS: passed")


if __name__ == "__main__":
    main()
