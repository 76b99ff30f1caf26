#!/usr/bin/env bash
# Two builds of the shop in turn (bench/shop_ab.py): `bash bench/shop-ab.sh DIR_A DIR_B [ROUNDS]`, where each DIR
# is a folder made by `bash bench/shop-ab.sh --prepare DIR` from the working tree's examples/shop and its release
# build (examples/shop/.build/release): the shop's sources, its manifest with a `build:` step of `true`, and the
# four binaries. Build, prepare, change, build, prepare again: the two folders then hold the two versions.
#   env: BIN_DIR (Berth's release binaries, default .build/release), CONCURRENCY, DURATION, WARMUP
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ ${1:-} == --prepare ]]; then
    dir=${2:?usage: bench/shop-ab.sh --prepare DIR}
    rm -rf "$dir"
    mkdir -p "$dir/.build/release"
    (cd "$ROOT/examples/shop" && tar --exclude=./.build --exclude=./data -cf - .) | (cd "$dir" && tar -xf -)
    for binary in user inventory order payment; do
        cp "$ROOT/examples/shop/.build/release/$binary" "$dir/.build/release/"
    done
    python3 - "$dir/berth.yaml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
text, count = re.subn(r'command: \["sh", "build.sh", "\$\{SHOP_BUILD:-debug\}"\]', 'command: ["true"]', text)
if count != 1:
    raise SystemExit("bench/shop-ab.sh: the manifest's build step was not found")
open(path, "w").write(text)
PY
    echo "prepared $dir ($(cd "$ROOT" && git describe --always --dirty))"
    exit 0
fi
source "$ROOT/scripts/lib/setup.sh"
berth_install_test_packages
berth_install_shop_packages
berth_need_packages wrk
export SHOP_BUILD=release
python3 "$ROOT/bench/shop_ab.py" "${BIN_DIR:-$ROOT/.build/release}" "$1" "$2" "${3:-5}"
