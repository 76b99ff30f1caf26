#!/usr/bin/env bash
# Checks that Sources/ and Tests/ are formatted as .swift-format says (swift-format from the Swift toolchain,
# 120 columns, 4 spaces). Exit 0 only if nothing would change. To fix: swift format format -i -r Sources Tests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift format lint --strict -r Sources Tests
echo "swift format: Sources and Tests are formatted"
