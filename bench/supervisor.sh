#!/usr/bin/env bash
# Berth vs supervisord, in one run, with the shared peer benchmarks (../shared/peer-bench):
#   1. restart latency: kill -9 of a supervised lib/tiny_http.py -> new PID, -> port accepting again;
#   2. overhead with N `sleep 100000` children: all spawned, all running/ready, daemon RSS, idle CPU.
# Prints one table and writes the "Supervisor: Berth vs supervisord" section of BENCHMARKS.md.
#
# usage: bash bench/supervisor.sh
# env (defaults): TRIALS=20 (restart kills; a median of 10 moves by ~0.3 ms run to run)  SETTLE=2 (s between kills)
#                 PORT=18300
#                 N=100  OVERHEAD_TRIALS=3  IDLE=30 (s idle window)  SD_STARTSECS="0 1" (supervisord variants)
#                 PEER_BENCH=<repo>/../shared/peer-bench  RESULTS=<repo>/bench/results/<timestamp>
#                 SKIP_BUILD=1 to reuse the last build  BENCHMARKS=<repo>/BENCHMARKS.md
#                 SWIFT_BUILD_FLAGS=--static-swift-stdlib  flags of the release build, as shipped (the Swift runtime
#                 linked statically: ~3 MB less RSS); SWIFT_BUILD_FLAGS="" builds against the shared runtime.
#                 Static builds use the scratch path .build-static, others .build-release.
#                 BERTHD=… BERTH=… to measure given binaries instead of the build's (e.g. a before/after pair).
#                 BIN_DIR=… the folder of both (SKIP_BUILD=1 BIN_DIR=.build-static/…/release).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PEER_BENCH=${PEER_BENCH:-$REPO/../shared/peer-bench}
TRIALS=${TRIALS:-20}
SETTLE=${SETTLE:-2}
PORT=${PORT:-18300}
N=${N:-100}
OVERHEAD_TRIALS=${OVERHEAD_TRIALS:-3}
IDLE=${IDLE:-30}
SD_STARTSECS=${SD_STARTSECS:-0 1}
BENCHMARKS=${BENCHMARKS:-$REPO/BENCHMARKS.md}
STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS=${RESULTS:-$REPO/bench/results/$STAMP}
SWIFT_BUILD_FLAGS=${SWIFT_BUILD_FLAGS---static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked}
if [[ " $SWIFT_BUILD_FLAGS " == *" --static-swift-stdlib "* ]]; then
    SCRATCH=$REPO/.build-static
else
    SCRATCH=$REPO/.build-release
fi

say() { printf '== %s\n' "$*"; }
die() { printf 'bench/supervisor.sh: %s\n' "$*" >&2; exit 1; }

[[ -x $PEER_BENCH/restart-latency.sh && -x $PEER_BENCH/supervisor-overhead.sh ]] ||
    [[ -f $PEER_BENCH/restart-latency.sh && -f $PEER_BENCH/supervisor-overhead.sh ]] ||
    die "the shared peer benchmarks are not at $PEER_BENCH (set PEER_BENCH)"
PEER_BENCH=$(cd "$PEER_BENCH" && pwd)

# --- clean-up: everything we start runs as the leader of its own process group, recorded here -----------------
WORK=$(mktemp -d /tmp/berth-bench.XXXXXX)
RUNNING_PGID=""
cleanup() {
    local status=$?
    if [[ -n $RUNNING_PGID ]] && kill -0 -- "-$RUNNING_PGID" 2>/dev/null; then
        # SIGTERM reaches the probe and the supervisor (same group); each supervisor then stops its children,
        # which live in process groups of their own. Give that up to 15 s before SIGKILL.
        kill -TERM -- "-$RUNNING_PGID" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 -- "-$RUNNING_PGID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$RUNNING_PGID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs one peer script as its own process group (so an interrupt can stop it and its supervisor by PID) and waits.
run_peer() {
    setsid "$@" &
    RUNNING_PGID=$!
    local status=0
    wait "$RUNNING_PGID" || status=$?
    RUNNING_PGID=""
    return "$status"
}

# --- what the run needs --------------------------------------------------------------------------------------
need_debian_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    [[ $(id -u) == 0 ]] || die "missing Debian packages: ${missing[*]} (run as root, or install them first)"
    say "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

find_supervisord() {
    if [[ -n ${SUPERVISORD:-} ]]; then echo "$SUPERVISORD"; return; fi
    (command -v pyenv >/dev/null && pyenv which supervisord 2>/dev/null) || command -v supervisord ||
        { [[ -x $SCRATCH/bench-venv/bin/supervisord ]] && echo "$SCRATCH/bench-venv/bin/supervisord"; } || true
}

command -v swift >/dev/null || die "swift is not on PATH"
# python3 runs the probes; /usr/bin/python3 runs tiny_http.py; procps for ps; util-linux for setsid.
need_debian_packages python3 procps util-linux
SUPERVISORD=$(find_supervisord)
if [[ -z $SUPERVISORD ]]; then
    say "installing supervisor with pip"
    if ! python3 -m pip install --quiet supervisor 2>/dev/null; then
        # Debian's python3 refuses system-wide pip installs (PEP 668): use a venv in the git-ignored scratch path.
        need_debian_packages python3-venv
        mkdir -p "$SCRATCH"
        python3 -m venv "$SCRATCH/bench-venv"
        "$SCRATCH/bench-venv/bin/pip" install --quiet supervisor
    fi
    command -v pyenv >/dev/null && pyenv rehash
    SUPERVISORD=$(find_supervisord)
    [[ -n $SUPERVISORD ]] || die "supervisord is still not found after installing it"
fi
export SUPERVISORD

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    say "building berthd and berth (release, $SCRATCH)"
    # shellcheck disable=SC2086 # SWIFT_BUILD_FLAGS is a list of flags
    (cd "$REPO" && swift build -c release --scratch-path "$SCRATCH" ${SWIFT_BUILD_FLAGS:-} --product berthd &&
        swift build -c release --scratch-path "$SCRATCH" ${SWIFT_BUILD_FLAGS:-} --product berth) \
        >"$WORK/build.log" 2>&1 ||
        { tail -40 "$WORK/build.log" >&2; die "release build failed"; }
fi
# BIN_DIR=<folder with berthd and berth> (e.g. a static release build's) stands for BERTHD and BERTH.
if [[ -n ${BIN_DIR:-} ]]; then
    BERTHD=${BERTHD:-$BIN_DIR/berthd}
    BERTH=${BERTH:-$BIN_DIR/berth}
fi
if [[ -z ${BERTHD:-} || -z ${BERTH:-} ]]; then
    # shellcheck disable=SC2086
    BIN=$(cd "$REPO" && swift build -c release --scratch-path "$SCRATCH" ${SWIFT_BUILD_FLAGS:-} --show-bin-path)
    BERTHD=${BERTHD:-$BIN/berthd}
    BERTH=${BERTH:-$BIN/berth}
else
    BIN=$(dirname "$BERTHD")
fi
[[ -x $BERTHD && -x $BERTH ]] || die "no release berthd/berth in $BIN"
# berthd reads its manifest through `berth resolve` (it parses no YAML): this berth, wherever berthd lies.
export BERTH_CLI=$BERTH

mkdir -p "$RESULTS"
export TMPDIR=${TMPDIR:-/tmp}

# --- the machine -----------------------------------------------------------------------------------------------
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))," \
        "$(awk '/MemTotal/ {printf "%.1f GB RAM", $2 / 1048576}' /proc/meminfo)"
    echo "kernel: $(uname -sr)"
    echo "swift: $(swift --version 2>&1 | head -1 | sed 's/^Swift version //'), swift build -c release" \
        "${SWIFT_BUILD_FLAGS:-}"
    echo "binaries: $BERTHD, $BERTH"
    echo "supervisord: $("$SUPERVISORD" -v) (Python $(python3 -c 'import sys; print(sys.version.split()[0])'))"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "restart settings: TRIALS=$TRIALS kills, SETTLE=${SETTLE}s, child /usr/bin/python3 -S tiny_http.py $PORT"
    echo "overhead settings: N=$N, OVERHEAD_TRIALS=$OVERHEAD_TRIALS, IDLE=${IDLE}s (last trial)"
} >"$WORK/machine.txt"
cat "$WORK/machine.txt"

# --- 1. restart latency ----------------------------------------------------------------------------------------
source "$REPO/bench/lib/restart_manifest.sh"
write_restart_manifest "$WORK/restart.yaml" bench-restart "$PORT"

say "restart latency: supervisord ($TRIALS kills)"
run_peer env LABEL=supervisord PORT="$PORT" SETTLE="$SETTLE" OUT="$RESULTS/restart-supervisord.json" \
    bash "$PEER_BENCH/restart-latency.sh" "$TRIALS"

say "restart latency: Berth ($TRIALS kills)"
run_peer env LABEL=berth PORT="$PORT" SETTLE="$SETTLE" CHILD_MATCH=tiny_http OUT="$RESULTS/restart-berth.json" \
    SUPERVISOR_CMD="$BERTHD -f $WORK/restart.yaml --socket $WORK/restart.sock --state-dir $WORK/restart-state" \
    bash "$PEER_BENCH/restart-latency.sh" "$TRIALS"
cp "$WORK/restart.yaml" "$RESULTS/restart-berth.yaml"

# --- 2. overhead with N sleeps ---------------------------------------------------------------------------------
for startsecs in $SD_STARTSECS; do
    say "overhead: supervisord, $N × sleep, startsecs=$startsecs"
    run_peer env LABEL="supervisord-startsecs$startsecs" STARTSECS="$startsecs" TRIALS="$OVERHEAD_TRIALS" \
        IDLE="$IDLE" OUT="$RESULTS/overhead-supervisord-startsecs$startsecs.json" \
        bash "$PEER_BENCH/supervisor-overhead.sh" "$N"
done

SLEEP=$(command -v sleep)
cat >"$WORK/overhead.yaml" <<EOF
# Generated by bench/supervisor.sh: $N idle children, one service with $N replicas.
name: bench-overhead
services:
  sleeper:
    command: ["$SLEEP", "100000"]
    replicas: $N
EOF
# Ready when the daemon reports N ready replicas. Polled every 50 ms until then (this adds CPU to the daemon while
# it starts, not during the idle window, which begins after readiness).
READY_CMD="BERTH_SOCKET=$WORK/overhead.sock $BERTH status --json 2>/dev/null"
READY_CMD+=" | grep -cE '\"ready\" *: *true' | grep -qx $N"

say "overhead: Berth, $N × sleep (one service, $N replicas)"
run_peer env LABEL=berth TRIALS="$OVERHEAD_TRIALS" IDLE="$IDLE" OUT="$RESULTS/overhead-berth.json" \
    SUPERVISOR_CMD="$BERTHD -f $WORK/overhead.yaml --socket $WORK/overhead.sock --state-dir $WORK/overhead-state" \
    READY_CMD="$READY_CMD" \
    bash "$PEER_BENCH/supervisor-overhead.sh" "$N"
cp "$WORK/overhead.yaml" "$RESULTS/overhead-berth.yaml"

# --- 3. exact spawn times: the children stamp their own clock right after exec ------------------------------------
# The overhead probe polls `berth status` (~9 ms a poll), so its "all spawned" is coarse; here each child appends its
# CLOCK_MONOTONIC to a file as its first act, and the figure is the last stamp less the instant the supervisor was
# started (the same for both supervisors).
STAMP_BIN=$WORK/spawn_stamp
cc -O2 -o "$STAMP_BIN" "$REPO/bench/lib/spawn_stamp.c"
mkdir -p "$WORK/spawn"
say "spawn times from the children's clocks: supervisord, $N children ($OVERHEAD_TRIALS trials)"
run_peer python3 "$REPO/bench/lib/spawn_exact.py" --kind supervisord --exe "$SUPERVISORD" --stamp "$STAMP_BIN" \
    --n "$N" --trials "$OVERHEAD_TRIALS" --work "$WORK/spawn" --json "$RESULTS/spawn-supervisord.json"
say "spawn times from the children's clocks: Berth, $N children ($OVERHEAD_TRIALS trials)"
run_peer python3 "$REPO/bench/lib/spawn_exact.py" --kind berth --exe "$BERTHD" --stamp "$STAMP_BIN" \
    --n "$N" --trials "$OVERHEAD_TRIALS" --work "$WORK/spawn" --json "$RESULTS/spawn-berth.json"

# How long one readiness poll takes: the probe checks spawned children and readiness in one loop, so a slow
# READY_CMD coarsens the "all spawned" time of Berth by up to this much.
READY_POLL_MS=$(python3 - "$READY_CMD" <<'PY'
import statistics, subprocess, sys, time
xs = []
for _ in range(10):
    t = time.monotonic()
    subprocess.run(sys.argv[1], shell=True)
    xs.append((time.monotonic() - t) * 1000)
print("%.0f" % statistics.median(xs))
PY
)

TICK_PCT=$(python3 -c "print(round(1 / $IDLE, 3))")
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/machine.txt"
# What pulls full Foundation (CoreFoundation, ICU: +5.4 MB RSS measured) into berthd's static link; the check fails
# (and the bench says so) when berthd links Yams or full Foundation again.
if command -v nm >/dev/null; then
    LINK=$(bash "$REPO/scripts/check-daemon-link.sh" "$BERTHD" 2>/dev/null) && VERDICT="only FoundationEssentials" ||
        VERDICT="**full Foundation, Yams or libsystemd linked**"
    LINK=$(sed -nE 's/^check-daemon-link: [^:]*: (.*); loads:.*/\1/p' <<<"$LINK")
    echo "berthd's link: $VERDICT ($LINK)" >>"$WORK/machine.txt"
fi
cat >"$WORK/notes.md" <<EOF
How it was measured:
- Restart latency: both supervisors run \`/usr/bin/python3 -S lib/tiny_http.py $PORT\`; Berth runs as
  \`berthd -f restart.yaml --socket … --state-dir …\` in the foreground (\`CHILD_MATCH=tiny_http\`). Berth's
  manifest sets \`restart: { reset_after: 1s, give_up: { restarts: 1000, within: 60s } }\`: a kill comes every
  ${SETTLE} s, and with the defaults (reset_after 10s, give up after 5 restarts in 60s) Berth would rightly treat
  the kills as a crash loop, back off and give up. supervisord runs with \`startsecs=1 startretries=3\`.
- Overhead: supervisord with $N \`[program:pN]\` sections (readiness read passively from its log); Berth with one
  service of $N replicas and no readiness probe (a replica is ready once spawned), readiness =
  \`berth status --json\` showing $N \`"ready": true\`, polled every 50 ms. A poll with the daemon idle takes
  ~${READY_POLL_MS} ms, and the probe checks "all spawned" in the same loop, so Berth's "all spawned" figure is
  coarse by up to that much. The polls add to the daemon's CPU only until readiness; the idle window
  (${IDLE} s) starts after it. "sd startsecs=0" is the like-for-like readiness comparison (running = spawned).
- Exact spawn times: $N children of \`bench/lib/spawn_stamp.c\` (it appends its CLOCK_MONOTONIC to a file right
  after exec, then sleeps), one Berth service of $N replicas and $N supervisord programs (startsecs=0); measured
  from just before the supervisor is started to the last child's stamp, median of $OVERHEAD_TRIALS.
- Idle CPU is utime+stime in clock ticks (10 ms): over ${IDLE} s one tick is ${TICK_PCT} % of a core
  (0.000 % means not a single tick).
- Ratios are Berth ÷ supervisord: below 1 means Berth is faster or smaller.
- Raw JSON: \`bench/results/$(basename "$RESULTS")/\` (git-ignored).
EOF

say "results ($RESULTS)"
cp "$WORK/machine.txt" "$RESULTS/machine.txt"
cp "$WORK/notes.md" "$RESULTS/notes.md"
python3 "$REPO/bench/lib/report.py" --results "$RESULTS" --benchmarks "$BENCHMARKS" \
    --machine "$RESULTS/machine.txt" --notes "$RESULTS/notes.md"
