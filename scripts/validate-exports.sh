#!/usr/bin/env bash
# Validates the golden export files (Tests/BerthExportTests/Golden) with the real tools:
# - Kubernetes objects with kubernetes-validate --strict against the Kubernetes schemas it ships (offline);
#   HTTPRoutes are skipped (it has no Gateway API schemas; their shape is covered by the Swift tests).
# - systemd units with systemd-analyze verify, for the manifest whose commands exist on Debian 12 (export).
# Exit 0 only if every check passes. Usage: scripts/validate-exports.sh
set -euo pipefail

KUBERNETES_VALIDATE_VERSION=1.37.0
KUBERNETES_VERSION=1.33.0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
golden="$root/Tests/BerthExportTests/Golden"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== kubernetes-validate $KUBERNETES_VALIDATE_VERSION (Kubernetes $KUBERNETES_VERSION)"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
mapfile -t yaml_files < <(find "$golden" -path '*/kubernetes/*.yaml' -o -path '*/gateway-api/*.yaml' \
    | grep -v '/httproutes.yaml$' | sort)
if [ "${#yaml_files[@]}" -eq 0 ]; then
    echo "no Kubernetes golden files found under $golden" >&2
    exit 1
fi
"$work/venv/bin/kubernetes-validate" --strict --kubernetes-version "$KUBERNETES_VERSION" "${yaml_files[@]}"

local_systemd="$(systemd-analyze --version | sed -n 's/^systemd \([0-9]*\).*/\1/p')"
echo "== systemd-analyze verify (systemd $local_systemd)"
status=0
for case_dir in "$golden"/{export,export-grpc,full,hello,schedule}/systemd "$golden"/export/systemd-254; do
    if [ "$(basename "$case_dir")" = systemd-254 ] && [ "$local_systemd" -lt 254 ]; then  # RestartSteps=
        echo "-- export/systemd-254: skipped (this machine has systemd $local_systemd; RestartSteps= needs 254)"
        continue
    fi
    label="$(basename "$(dirname "$case_dir")")/$(basename "$case_dir")"
    units="$work/units-${label//\//-}"
    mkdir -p "$units"
    cp -r "$case_dir"/. "$units"/
    rm -f "$units/DIAGNOSTICS"
    # The golden files name the checkout /srv/berth; point working directories at the real one.
    grep -rl '/srv/berth' "$units" | xargs -r sed -i "s#/srv/berth#$root#g"
    target="$(find "$units" -maxdepth 1 -name '*.target' | head -1)"
    # Template units are verified through their instances (web@0.service), which systemd-analyze finds on
    # SYSTEMD_UNIT_PATH together with their drop-ins; the target is verified by path. Any message counts as a
    # failure: systemd-analyze only warns (exit 0) about unknown keys.
    mapfile -t instances < <(sed -n 's/^Wants=//p' "$target")
    echo "-- $label: $(basename "$target") ${instances[*]}"
    if ! output="$(SYSTEMD_UNIT_PATH="$units:" systemd-analyze verify --man=no "$target" "${instances[@]}" 2>&1)" \
        || [ -n "$output" ]; then
        echo "$output" >&2
        status=1
    fi
done
if [ "$status" -eq 0 ]; then
    echo "all exports valid"
fi
exit "$status"
