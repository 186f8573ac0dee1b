#!/usr/bin/env bash
# Builds partnerd as a static binary (glibc linked in, debug info stripped) and the `scratch`
# image from the Dockerfile at the repository root.
#
# Usage: deploy/image/build.sh [TAG]     (default tag: partnerd:latest)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAG=${1:-partnerd:latest}
TARGET=x86_64-unknown-linux-gnu
cd "$ROOT"
# --target keeps the static flag off build scripts and procedural macros, which the
# compiler loads as shared libraries.
RUSTFLAGS="-C target-feature=+crt-static" \
    CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true \
    cargo build --release --locked --target "$TARGET" -p partnerd-cli
BINARY="target/$TARGET/release/partnerd"
if command -v ldd >/dev/null 2>&1 && ldd "$BINARY" 2>&1 | grep -q '=>'; then
    echo "build.sh: $BINARY is not static:" >&2
    ldd "$BINARY" >&2
    exit 1
fi
# The context is a staging directory holding just what the Dockerfile copies, in the same
# layout: small to send, and real files even when target/ is a symbolic link, which Docker
# would send as a link.
CONTEXT=$(mktemp -d)
trap 'rm -rf "$CONTEXT"' EXIT
mkdir -p "$CONTEXT/$(dirname "$BINARY")" "$CONTEXT/deploy/image/data"
cp "$BINARY" "$CONTEXT/$BINARY"
cp deploy/image/data/.keep "$CONTEXT/deploy/image/data/"
docker build -t "$TAG" -f Dockerfile "$CONTEXT"
docker image inspect "$TAG" --format 'built {{index .RepoTags 0}}: {{.Size}} bytes'
