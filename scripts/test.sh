#!/usr/bin/env bash
# The test command (README): installs what the tests need on a fresh Debian 12 machine, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
berth_install_test_packages

echo "== build (debug)"
if ! swift build --build-tests >/tmp/berth-build.log 2>&1; then
    grep -E "error:" /tmp/berth-build.log | sort -u | head -n 60
    tail -n 20 /tmp/berth-build.log
    exit 1
fi
tail -n 1 /tmp/berth-build.log

echo "== tests"
# Integration tests start real processes and sockets; they bound themselves in time and clean up by pid.
set +e
swift test --skip-build 2>&1 | tee /tmp/berth-test-output.txt
status=${PIPESTATUS[0]}
exit "$status"
