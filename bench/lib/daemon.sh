# stop_daemon: SIGTERM to $DAEMON_PID, SIGKILL if it is still there after STOP_WAIT seconds (default 10; a daemon
# with 1,000 replicas needs longer to stop them); clears DAEMON_PID.
stop_daemon() {
    if [[ -n ${DAEMON_PID:-} ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        for _ in $(seq 1 $(( ${STOP_WAIT:-10} * 20 ))); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    DAEMON_PID=""
}

# stop_on_exit DIR: when the script exits, stop the daemon (see stop_daemon) and remove DIR, keeping the exit status.
stop_on_exit() {
    BENCH_CLEANUP_DIR=$1
    trap '_bench_cleanup' EXIT
}
_bench_cleanup() {
    local status=$?
    stop_daemon
    rm -rf "$BENCH_CLEANUP_DIR"
    exit "$status"
}
