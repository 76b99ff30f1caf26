#!/usr/bin/env bash
# The main command (README): builds Berth and brings the example project up in the background, then shows it.
# Stop it with: .build/release/berth down -f examples/hello/berth.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
berth_install_test_packages

echo "== building Berth (release; the first build takes a few minutes)"
# The Swift runtime linked statically: ~3 MB less resident memory for the daemon (BENCHMARKS.md).
if ! swift build -c release --static-swift-stdlib >/tmp/berth-build-release.log 2>&1; then
    grep -E "error:" /tmp/berth-build-release.log | sort -u | head -n 40
    exit 1
fi
BIN=$PWD/.build/release
MANIFEST=examples/hello/berth.yaml

"$BIN/berth" check -f "$MANIFEST"
"$BIN/berth" up -d -f "$MANIFEST" --timeout 60s
echo
"$BIN/berth" status -f "$MANIFEST"
ports=$("$BIN/berth" status -f "$MANIFEST" --json | python3 -c '
import json, sys
status = json.load(sys.stdin)
print(" ".join(str(r["port"]) for s in status["services"] if s["name"] == "web" for r in s["replicas"]))')
echo
for port in $ports; do echo "web replica: curl http://127.0.0.1:$port/"; done
echo "logs:   $BIN/berth logs --file $MANIFEST --follow"
echo "scale:  $BIN/berth scale -f $MANIFEST web=4"
echo "stop:   $BIN/berth down -f $MANIFEST"
