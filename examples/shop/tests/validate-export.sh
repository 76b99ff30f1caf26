#!/usr/bin/env bash
# The shop beyond one machine: exports examples/shop/berth.yaml to Kubernetes (images from the manifest's
# REGISTRY/NAME:TAG template) and to systemd, and checks the Kubernetes objects with kubernetes-validate --strict
# (the version scripts/validate-exports.sh pins, in a temporary virtualenv) and the units with systemd-analyze
# verify (which needs the commands to exist: build the shop in debug first, as scripts/test.sh does).
# Usage: validate-export.sh BERTH_BIN_DIR. Exit 0 only if the export succeeds and every check passes.
set -euo pipefail
bin="${1:?usage: validate-export.sh BERTH_BIN_DIR}"
shop="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$shop/../.." && pwd)"
versions="$(grep -E '^KUBERNETES(_VALIDATE)?_VERSION=' "$root/scripts/validate-exports.sh")"
eval "$versions"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== berth export kubernetes -f examples/shop/berth.yaml"
SHOP_BUILD=release "$bin/berth" export kubernetes -f "$shop/berth.yaml" -o "$work/k8s" 2>"$work/k8s.warnings"
echo "$(grep -c warning "$work/k8s.warnings") warnings; $(ls "$work/k8s" | wc -l) files"
if grep -E "error" "$work/k8s.warnings"; then exit 1; fi
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
"$work/venv/bin/kubernetes-validate" --strict --kubernetes-version "$KUBERNETES_VERSION" "$work"/k8s/*.yaml

echo "== berth export systemd -f examples/shop/berth.yaml (debug: its binaries exist once the shop is built)"
"$bin/berth" export systemd -f "$shop/berth.yaml" -o "$work/systemd" 2>"$work/systemd.warnings"
echo "$(grep -c warning "$work/systemd.warnings") warnings; $(ls "$work/systemd" | wc -l) files"
target="$work/systemd/shop.target"
mapfile -t instances < <(sed -n 's/^Wants=//p' "$target")
# Instances are verified with their drop-ins; any message counts as a failure (unknown keys only warn).
if ! output="$(SYSTEMD_UNIT_PATH="$work/systemd:" systemd-analyze verify --man=no "$target" "${instances[@]}" 2>&1)" \
    || [ -n "$output" ]; then
    echo "$output" >&2
    exit 1
fi
echo "systemd-analyze verify: ${#instances[@]} units ok"
echo "shop export: ok"
