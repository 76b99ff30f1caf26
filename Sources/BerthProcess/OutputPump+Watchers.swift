public import BerthSystem
import CBerthShim
import Glibc
import Synchronization

/// The pump's epoll thread serves other modules' descriptors too (sd_notify sockets, HTTP and TCP probes), so that
/// the daemon has one such thread rather than one per socket or an event loop per probe (docs/architecture.md).
extension OutputPump: ReadinessLoop {
    /// The process's one pump, made on first use: by the reaper, or by a notify listener in a process that spawns
    /// nothing (a test), without making that process a child subreaper.
    static let shared = Result { () throws(SpawnError) -> OutputPump in try OutputPump() }

    struct Watcher {
        let fd: Int32
        var interest: WatchNext
        let handler: any ReadinessHandler
    }

    struct WatcherTable: Sendable {
        var watchers: [UInt64: Watcher] = [:]
        /// Only the watches that have one (probes in flight: a handful), so that planning a wake-up stays cheap.
        var deadlines: [UInt64: ContinuousClock.Instant] = [:]
        /// Descriptors of cancelled watches, closed on the pump's thread (never while a handler may use them).
        var cancelled: [Int32] = []
        /// When the pump wakes next (nil: only when a descriptor is ready). A watch due earlier wakes it.
        var plannedWake: ContinuousClock.Instant?
    }

    @discardableResult
    func watch(
        _ fd: Int32, for next: WatchNext, deadline: ContinuousClock.Instant?, handler: any ReadinessHandler
    ) throws(SystemError) -> UInt64 {
        guard next != .done, next != .keep else {
            if next == .done { System.close(fd) }
            return 0
        }
        let token = nextToken.add(1, ordering: .relaxed).oldValue
        let wakeEarlier = watchers.withLock { table in
            table.watchers[token] = Watcher(fd: fd, interest: next, handler: handler)
            guard let deadline else { return false }
            table.deadlines[token] = deadline
            guard table.plannedWake.map({ deadline < $0 }) ?? true else { return false }
            table.plannedWake = deadline
            return true
        }
        guard berth_epoll_watch(epollFD, fd, token, next == .write ? 1 : 0, 0) == 0 else {
            let error = SystemError.current("epoll_ctl(ADD)")
            watchers.withLock { table in
                table.watchers[token] = nil
                table.deadlines[token] = nil
            }
            System.close(fd)
            throw error
        }
        if wakeEarlier { berth_eventfd_signal(wakeFD) }
        return token
    }

    func cancel(_ token: UInt64) {
        let found = watchers.withLock { table in
            guard let watcher = table.watchers.removeValue(forKey: token) else { return false }
            table.deadlines[token] = nil
            table.cancelled.append(watcher.fd)
            return true
        }
        if found { berth_eventfd_signal(wakeFD) }
    }

    func rewatch(
        _ token: UInt64, for next: WatchNext, deadline: ContinuousClock.Instant?, handler: any ReadinessHandler
    ) -> Bool {
        guard next == .read || next == .write else { return false }
        let found: (fd: Int32, modify: Bool, wakeEarlier: Bool)? = watchers.withLock { table in
            guard let watcher = table.watchers[token] else { return nil }
            table.watchers[token] = Watcher(fd: watcher.fd, interest: next, handler: handler)
            table.deadlines[token] = deadline
            guard let deadline, table.plannedWake.map({ deadline < $0 }) ?? true else {
                return (watcher.fd, watcher.interest != next, false)
            }
            table.plannedWake = deadline
            return (watcher.fd, watcher.interest != next, true)
        }
        guard let found else { return false }
        if found.modify { _ = berth_epoll_watch(epollFD, found.fd, token, next == .write ? 1 : 0, 1) }
        if found.wakeEarlier { berth_eventfd_signal(wakeFD) }
        return true
    }

    /// The earliest of the pump's own deadline and the watches', remembered as the planned wake-up.
    func planWake(pumpDeadline: ContinuousClock.Instant?) -> ContinuousClock.Instant? {
        watchers.withLock { table in
            let soonest = [pumpDeadline, table.deadlines.values.min()].compactMap { $0 }.min()
            table.plannedWake = soonest
            return soonest
        }
    }

    /// Serves a watched descriptor; false when `token` is not a watch (a pipe of the pump's own, or a stale token).
    func serveWatcher(_ token: UInt64) -> Bool {
        guard let watcher = watchers.withLock({ $0.watchers[token] }) else { return false }
        let next = watcher.handler.ready()
        enum Change {
            case none, modify, remove
            case keep(wasWrite: Bool)
        }
        let change: Change = watchers.withLock { table in
            // Cancelled while its handler ran (the cancellation closes the descriptor), or handed to another handler
            // (a kept connection taken by the next probe meanwhile): that one decides now.
            guard let current = table.watchers[token], current.handler === watcher.handler else { return .none }
            if next == .done {
                table.watchers[token] = nil
                table.deadlines[token] = nil
                return .remove
            }
            if next == .keep {
                table.deadlines[token] = nil
                table.watchers[token]?.interest = .read
                return .keep(wasWrite: current.interest == .write)
            }
            guard next != current.interest else { return .none }
            table.watchers[token]?.interest = next
            return .modify
        }
        switch change {
        case .none: break
        case .modify: _ = berth_epoll_watch(epollFD, watcher.fd, token, next == .write ? 1 : 0, 1)
        case .remove: closeWatched(watcher.fd)
        case .keep(let wasWrite):
            if wasWrite { _ = berth_epoll_watch(epollFD, watcher.fd, token, 0, 1) }
            watcher.handler.kept(watcher.fd, token: token)
        }
        return true
    }

    /// Ends the watches whose deadline passed: their handler hears `timedOut`, the descriptor is closed.
    func expireWatches() {
        let now = ContinuousClock.now
        let expired: [Watcher] = watchers.withLock { table in
            guard table.deadlines.values.contains(where: { $0 <= now }) else { return [] }
            let due = table.deadlines.filter { $0.value <= now }.map(\.key)
            return due.compactMap { token in
                table.deadlines[token] = nil
                return table.watchers.removeValue(forKey: token)
            }
        }
        for watcher in expired {
            watcher.handler.timedOut()
            closeWatched(watcher.fd)
        }
    }

    func closeCancelledWatches() {
        let descriptors = watchers.withLock { table in
            defer { table.cancelled = [] }
            return table.cancelled
        }
        for fd in descriptors { closeWatched(fd) }
    }

    /// Out of epoll first: a child forked meanwhile may hold a copy of the descriptor until it execs, and epoll
    /// would keep reporting it.
    private func closeWatched(_ fd: Int32) {
        _ = berth_epoll_del(epollFD, fd)
        System.close(fd)
    }
}

extension ProcessLauncher {
    /// The epoll thread that reads the children's output, for other descriptors (see `ReadinessLoop`).
    public var readiness: any ReadinessLoop { reaper.pump }

    /// The same loop without a launcher (a notify listener's), which does not start the reaper.
    public static func sharedReadiness() throws(SpawnError) -> any ReadinessLoop {
        try OutputPump.shared.get()
    }
}
