#!/usr/bin/env bash
# Validates the manifests against Kubernetes' own schemas with kubernetes-validate (PyPI),
# strictly (unknown fields are errors), in a virtual environment under target/. The
# kustomization is checked to list exactly the manifests here.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
DIR=deploy/kubernetes
VERSION=${KUBERNETES_VERSION:-1.30}
VENV=target/kubernetes-venv
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate>=1.30"
MANIFESTS=()
for f in "$DIR"/*.yaml; do
    [[ $(basename "$f") == kustomization.yaml ]] || MANIFESTS+=("$f")
done
"$VENV/bin/kubernetes-validate" --strict --kubernetes-version "$VERSION" "${MANIFESTS[@]}"
"$VENV/bin/python" - "$DIR" "${MANIFESTS[@]}" <<'PY'
import os, sys, yaml
directory, manifests = sys.argv[1], sorted(os.path.basename(m) for m in sys.argv[2:])
listed = sorted(yaml.safe_load(open(os.path.join(directory, "kustomization.yaml")))["resources"])
if listed != manifests:
    sys.exit(f"kustomization.yaml lists {listed}, the directory holds {manifests}")
print(f"kustomization.yaml lists every manifest: {', '.join(listed)}")
PY
