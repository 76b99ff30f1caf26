# stop_daemon: SIGTERM to $DAEMON_PID, SIGKILL if it is still there after 10 s; clears DAEMON_PID.
stop_daemon() {
    if [[ -n ${DAEMON_PID:-} ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID"
        for _ in $(seq 1 200); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    DAEMON_PID=""
}
