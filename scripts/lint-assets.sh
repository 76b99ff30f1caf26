#!/usr/bin/env bash
# Lints the dashboard's assets (Sources/BerthAdmin/Assets), which SwiftPM embeds in berthd at build time:
# the script with `node --check` (a syntax check, offline; Debian's nodejs). The stylesheet has no offline linter on
# Debian 12, so it is only checked for balanced braces. Exit 0 only if both pass. Usage: scripts/lint-assets.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/setup.sh"
command -v node >/dev/null || berth_need_packages nodejs
assets="$root/Sources/BerthAdmin/Assets"
node --check "$assets/dashboard.js"
echo "dashboard.js: node --check passed"
python3 - "$assets/dashboard.css" <<'PY'
import sys
text = open(sys.argv[1]).read()
depth = 0
for line_number, line in enumerate(text.splitlines(), 1):
    for char in line:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            sys.exit(f"dashboard.css:{line_number}: '}}' without '{{'")
if depth:
    sys.exit(f"dashboard.css: {depth} unclosed '{{'")
print("dashboard.css: braces balanced")
PY
