#!/usr/bin/env bash
# The README's curl walk-through, run exactly as the README shows it: its `sh` blocks are
# extracted from README.md (never copied here) and run top to bottom, in a fresh folder,
# against a partnerd started there for the first time. The walk-through reads every variable
# from the bootstrap file that first start writes.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

if ! command -v jq >/dev/null; then
    apt-get update -qq >/dev/null && apt-get install -y -qq jq >/dev/null
fi
cargo build --quiet -p partnerd-cli

# Every ```sh block between "## Walk-through with curl" and the next "## " heading.
python3 - README.md >"$WORK/walkthrough.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
start = text.index("\n## Walk-through with curl")
end = text.find("\n## ", start + 1)
section = text[start:end if end != -1 else len(text)]
blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
assert len(blocks) >= 3, f"expected the walk-through's sh blocks, found {len(blocks)}"
print("\n".join(blocks))
PY

FRESH=$WORK/fresh
mkdir -p "$FRESH"
cd "$FRESH"
PORT=$(free_port)
serve_partnerd "$WORK/serve.log" --listen "127.0.0.1:$PORT"
[[ -f partnerd.db.bootstrap.json ]] || { echo "serve wrote no bootstrap file" >&2; exit 1; }
mode=$(stat -c %a partnerd.db.bootstrap.json)
[[ $mode == 600 ]] || { echo "bootstrap file mode is $mode, not 600" >&2; exit 1; }
grep -q "partnerd.db.bootstrap.json" "$WORK/serve.log" || {
    echo "serve did not say where the bootstrap file is" >&2
    cat "$WORK/serve.log" >&2
    exit 1
}

out=$WORK/walkthrough.out
if ! bash -euo pipefail "$WORK/walkthrough.sh" >"$out" 2>&1; then
    echo "the README walk-through failed:" >&2
    cat "$out" >&2
    exit 1
fi

# What the walk-through promises, seen in what it printed.
expect() {
    grep -qiE "$1" "$out" || { echo "walk-through output lacks: $1" >&2; cat "$out" >&2; exit 1; }
}
expect '^customer [0-9a-f-]{36}, admin password .{16,}$'
expect '^ETag: "-?[0-9]+"'
expect '"city":"Bellevue"'
expect '"relationshipToPartner":"none"'
[[ $(grep -o 'HTTP/1.1 200' "$out" | wc -l) -ge 3 ]] || { echo "expected three 200 answers" >&2; cat "$out" >&2; exit 1; }

# A second start neither rewrites the file nor prints new credentials.
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
before=$(sha256sum partnerd.db.bootstrap.json)
PORT=$(free_port)
serve_partnerd "$WORK/serve2.log" --listen "127.0.0.1:$PORT"
[[ $(sha256sum partnerd.db.bootstrap.json) == "$before" ]] || { echo "bootstrap file rewritten" >&2; exit 1; }
echo "README walk-through ran top to bottom against a fresh partnerd"
