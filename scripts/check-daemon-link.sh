#!/usr/bin/env bash
# Fails when berthd's link graph regains a YAML parser or full Foundation (issue 16: berthd <= 20 MB RSS). Full
# Foundation (CoreFoundation, FoundationInternationalization, ICU) costs a static berthd ~5 MB of memory, and one use
# of a symbol outside FoundationEssentials pulls all of it in: Yams' tag resolver (`NSRegularExpression`),
# `FileManager.enumerator`, `ObjCBool`, `NSString`, `String(format:)`, `Thread`, `FileHandle`...
# Usage: scripts/check-daemon-link.sh [PATH/TO/berthd]   (default: .build/debug/berthd; a static release build works
# too). Prints what it found and exits 1 on a regression.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/berthd}
[ -x "$binary" ] || { echo "check-daemon-link: no executable at $binary" >&2; exit 2; }
failed=0
# What a dynamic (debug) build loads, for the record only: the driver may name libraries that nothing uses.
needed=$(readelf -d "$binary" | sed -nE 's/.*Shared library: \[(.*)\]/\1/p' | tr '\n' ' ')
# A static build carries the symbols themselves; a dynamic one refers to them (undefined symbols count too). Swift mangles module names with their length: 4Yams, 10Foundation
# (FoundationEssentials is 20FoundationEssentials, which these patterns do not match).
symbols=$(nm "$binary" 2>/dev/null | awk '{print $NF}')
count() { grep -cE "$1" <<<"$symbols" || true; }
regex=$(count 'NSRegularExpression')
yams=$(count '^\$s4Yams')
corefoundation=$(count '^_?CFRunLoop|^_?CFStringCreate')
icu=$(count '^_?swift_u(cal|brk|col|dat|loc)_|icu_[0-9]+')
foundation=$(count '^\$s10Foundation')
echo "check-daemon-link: $binary: NSRegularExpression $regex, Yams $yams, CoreFoundation $corefoundation," \
    "ICU $icu, full Foundation $foundation symbols; loads: ${needed:-nothing}"
if [ "$regex" -gt 0 ] || [ "$yams" -gt 0 ] || [ "$corefoundation" -gt 0 ] || [ "$icu" -gt 0 ] \
    || [ "$foundation" -gt 0 ]; then
    echo "check-daemon-link: berthd links a YAML parser or full Foundation (see docs/architecture.md)" >&2
    failed=1
fi
# libsystemd (with libgcrypt, liblz4, libzstd...: ~0.8 MB of RSS) is loaded with dlopen when the journal is used
# (Sources/CSystemd), never at start.
if grep -q 'libsystemd' <<<"$needed"; then
    echo "check-daemon-link: berthd loads libsystemd at start (link it through CSystemd's dlopen)" >&2
    failed=1
fi
exit $failed
