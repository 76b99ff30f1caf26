#!/usr/bin/env bash
# Berth's chaos scenarios (Tests/chaos/run.py): each starts berthd on a temporary project, puts a continuous load
# through the gateway, injects faults (kill -9, SIGSTOP, bad replicas, crash loops, a killed daemon, journald going
# away, resource limits) and checks that nothing is lost. Prints one Markdown row per scenario; exits 1 if any
# scenario's assertions failed. See RELIABILITY.md.
#
# usage: bash Tests/chaos/run.sh [--short] [SCENARIO...]      SCENARIO: a b c d e f g (or a name); default: all
# env:   BIN_DIR  directory with berth, berthd and berth-fixture (default: .build/release if it has all three and is
#                 newer than .build/debug, else .build/debug; build first)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -z ${BIN_DIR:-} ]]; then
    BIN_DIR=$REPO/.build/debug
    release=$REPO/.build/release
    if [[ -x $release/berthd && -x $release/berth && -x $release/berth-fixture && $release/berthd -nt $BIN_DIR/berthd ]]; then
        BIN_DIR=$release
    fi
fi
echo "chaos: binaries from $BIN_DIR"
exec python3 "$REPO/Tests/chaos/run.py" --bin "$BIN_DIR" "$@"
