import BerthNotify
import BerthSupervisor
import Glibc
import Logging
import ServiceLifecycle
import Synchronization

/// Tells systemd (a `Type=notify` unit, `NOTIFY_SOCKET` set) how berthd is doing: `READY=1` once every service
/// reached its target after `up`, `STATUS=` whenever the summary line changes, `WATCHDOG=1` at half of
/// `WATCHDOG_USEC` (each ping follows an answer from the supervisor, so a hung supervisor stops the pings), and
/// `STOPPING=1` when shutdown begins. Does nothing without `NOTIFY_SOCKET`.
final class SystemdNotifier: Service, Sendable {
    private let socket: NotifySocket?
    private let watchdogInterval: Duration?
    private let supervisor: Supervisor
    private let logger: Logger
    private let stoppingSent = Mutex(false)

    init(environment: [String: String], supervisor: Supervisor, logger: Logger) {
        socket = NotifySocket(environment["NOTIFY_SOCKET"])
        self.supervisor = supervisor
        self.logger = logger
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if pidMatches, let usec = environment["WATCHDOG_USEC"].flatMap({ UInt64($0) }), usec > 0 {
            watchdogInterval = .microseconds(Int64(usec / 2))
        } else {
            watchdogInterval = nil
        }
    }

    var isActive: Bool { socket != nil }

    func run() async throws {
        guard let socket else { return }
        logger.info(
            "notifying systemd",
            metadata: [
                "socket": "\(socket.text)", "watchdog_ms": "\(watchdogInterval.map { $0 / .milliseconds(1) } ?? 0)",
            ])
        try? await cancelWhenGracefulShutdown { [self] in await loop(socket) }
        stopping()
    }

    /// Sends READY once settled, STATUS on changes and the watchdog pings, until cancelled.
    private func loop(_ socket: NotifySocket) async {
        var ready = false
        var lastStatus = ""
        var lastPing = ContinuousClock.now
        let tick = min(watchdogInterval ?? .seconds(1), .seconds(1))
        while !Task.isCancelled {
            let status = await supervisor.status()
            if !ready, await supervisor.hasSettled() {
                ready = true
                lastStatus = StatusSummary.line(status)
                socket.send([("READY", "1"), ("STATUS", lastStatus)])
            }
            let line = StatusSummary.line(status)
            if ready, line != lastStatus, !stoppingSent.withLock({ $0 }) {
                socket.send([("STATUS", line)])
                lastStatus = line
            }
            if let interval = watchdogInterval, ContinuousClock.now - lastPing >= interval - tick / 2 {
                socket.send([("WATCHDOG", "1")])
                lastPing = .now
            }
            try? await Task.sleep(for: ready ? tick : min(tick, .milliseconds(100)))
        }
    }

    /// Sends `STOPPING=1` (once): called when the supervisor starts stopping everything.
    func stopping() {
        guard let socket,
            !stoppingSent.withLock({ sent in
                defer { sent = true }
                return sent
            })
        else { return }
        socket.send([("STOPPING", "1"), ("STATUS", "stopping")])
    }
}
