"""Writes a partnerd import file: the records of a small store (read from a file of JSON
lines, as `partnerd export` writes them) followed by N customers of its first partner, with
company names spread over the alphabet and a few prefixes no customer has.

Usage: scale_data.py BASE_EXPORT N OUTPUT
"""

import json
import random
import sys
import uuid

WORDS = ["Contoso", "Fabrikam", "Northwind", "Tailspin", "Adventure", "Alpine", "Bellows",
         "Coho", "Datum", "Fourth", "Graphic", "Humongous", "Litware", "Lucerne", "Margie",
         "Nod", "Proseware", "Relecloud", "Southridge", "Trey", "Wide", "Wingtip", "Woodgrove"]


def main():
    base, count, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(42)
    lines = [line for line in open(base, encoding="utf-8") if line.strip()]
    partner = next(json.loads(line)["tenantId"] for line in lines
                   if json.loads(line)["record"] == "partner")
    address = {"country": "US", "city": "Redmond", "state": "WA",
               "addressLine1": "One Microsoft Way", "postalCode": "98052",
               "phoneNumber": "4255550100"}
    with open(output, "w", encoding="utf-8") as out:
        out.writelines(lines)
        for n in range(count):
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}"
            domain = f"scale{n}.onmicrosoft.com"
            record = {
                "record": "customer", "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "commerceId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "domain": domain, "customDomains": [domain],
                "company": {"companyName": name, "address": address, "email": "ada@contoso.com"},
                "billing": {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            "firstName": "Ada", "lastName": "Lovelace", "email": "ada@contoso.com",
                            "culture": "en-US", "language": "en", "companyName": name,
                            "defaultAddress": address},
                "etag": rng.getrandbits(62),
                "adminPasswordHash": "$sha256$c2NhbGU$c2NhbGU",
                "associatedPartnerId": None,
                "relations": [{"partnerId": partner, "role": "reseller", "delegatedAccess": True}],
            }
            out.write(json.dumps(record, separators=(",", ":")))
            out.write("\n")


if __name__ == "__main__":
    main()
