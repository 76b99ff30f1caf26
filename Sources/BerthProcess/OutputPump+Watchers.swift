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
        /// In the ticked set (`TickedHandler`), for good: a kept connection's later handlers stay there too.
        var ticked = false

        /// The epoll set it is in.
        func set(of pump: OutputPump) -> Int32 { ticked ? pump.tickedEpollFD : pump.epollFD }
    }

    struct WatcherTable: Sendable {
        var watchers: [UInt64: Watcher] = [:]
        /// Only the watches that have one (probes in flight: a handful), so that planning a wake-up stays cheap.
        var deadlines: [UInt64: ContinuousClock.Instant] = [:]
        /// Cancelled watches, closed on the pump's thread (never while a handler may use them).
        var cancelled: [Watcher] = []
        /// Watches in the ticked set: while one has a deadline, the pump wakes at least once a tick.
        var tickedCount = 0
        /// When the ticked set was last polled.
        var lastHarvest = ContinuousClock.now
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
        let ticked = handler is any TickedHandler
        let wakeEarlier = watchers.withLock { table in
            table.watchers[token] = Watcher(fd: fd, interest: next, handler: handler, ticked: ticked)
            if ticked { table.tickedCount += 1 }
            guard let deadline else { return false }
            table.deadlines[token] = deadline
            let wake = ticked ? min(deadline, .now + Self.tick) : deadline
            guard table.plannedWake.map({ wake < $0 }) ?? true else { return false }
            table.plannedWake = wake
            return true
        }
        guard berth_epoll_watch(ticked ? tickedEpollFD : epollFD, fd, token, next == .write ? 1 : 0, 0) == 0 else {
            let error = SystemError.current("epoll_ctl(ADD)")
            watchers.withLock { table in
                table.watchers[token] = nil
                table.deadlines[token] = nil
                if ticked { table.tickedCount -= 1 }
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
            if watcher.ticked { table.tickedCount -= 1 }
            table.cancelled.append(watcher)
            return true
        }
        if found { berth_eventfd_signal(wakeFD) }
    }

    func rewatch(
        _ token: UInt64, for next: WatchNext, deadline: ContinuousClock.Instant?, handler: any ReadinessHandler
    ) -> Bool {
        guard next == .read || next == .write else { return false }
        let found: (watcher: Watcher, modify: Bool, wakeEarlier: Bool)? = watchers.withLock { table in
            guard let watcher = table.watchers[token] else { return nil }
            table.watchers[token] = Watcher(fd: watcher.fd, interest: next, handler: handler, ticked: watcher.ticked)
            table.deadlines[token] = deadline
            // A ticked watch is served by the next tick: a sleeping pump wakes for it (a probe started elsewhere).
            let wake = deadline.map { watcher.ticked ? min($0, .now + Self.tick) : $0 }
            guard let wake, table.plannedWake.map({ wake < $0 }) ?? true else {
                return (watcher, watcher.interest != next, false)
            }
            table.plannedWake = wake
            return (watcher, watcher.interest != next, true)
        }
        guard let found else { return false }
        if found.modify {
            _ = berth_epoll_watch(found.watcher.set(of: self), found.watcher.fd, token, next == .write ? 1 : 0, 1)
        }
        if found.wakeEarlier { berth_eventfd_signal(wakeFD) }
        return true
    }

    /// The earliest of the pump's own deadline, the watches' and the next tick (`tick` while a watch has a deadline:
    /// a probe waits for its response; `idleTick` while only kept connections wait), remembered as the planned
    /// wake-up.
    func planWake(pumpDeadline: ContinuousClock.Instant?) -> ContinuousClock.Instant? {
        watchers.withLock { table in
            let tick: ContinuousClock.Instant? =
                table.tickedCount == 0
                ? nil : table.lastHarvest + (table.deadlines.isEmpty ? Self.idleTick : Self.tick)
            let soonest = [pumpDeadline, table.deadlines.values.min(), tick].compactMap { $0 }.min()
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
                if current.ticked { table.tickedCount -= 1 }
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
        let set = watcher.set(of: self)
        switch change {
        case .none: break
        case .modify: _ = berth_epoll_watch(set, watcher.fd, token, next == .write ? 1 : 0, 1)
        case .remove: closeWatched(watcher.fd, set: set)
        case .keep(let wasWrite):
            if wasWrite { _ = berth_epoll_watch(set, watcher.fd, token, 0, 1) }
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
                guard let watcher = table.watchers.removeValue(forKey: token) else { return nil }
                if watcher.ticked { table.tickedCount -= 1 }
                return watcher
            }
        }
        for watcher in expired {
            watcher.handler.timedOut()
            closeWatched(watcher.fd, set: watcher.set(of: self))
        }
    }

    func closeCancelledWatches() {
        let cancelled = watchers.withLock { table in
            defer { table.cancelled = [] }
            return table.cancelled
        }
        for watcher in cancelled { closeWatched(watcher.fd, set: watcher.set(of: self)) }
    }

    /// How often the ticked set is polled at least while a probe waits for its response: the grain of probe
    /// timeouts and measured durations (docs/manifest.md), and the supervisor's probe grain.
    static let tick = Duration.milliseconds(10)
    /// How often it is polled at least while only idle kept connections are there: a server's close is seen (and the
    /// connection dropped) within this, for 4 wake-ups a second.
    static let idleTick = Duration.milliseconds(250)

    /// Serves the ticked descriptors that are ready, without waiting: called at every wake-up of the pump (a tick
    /// planned by `planWake`, a probe round's timer, output, an exit), so that probe responses never wake it.
    func harvestTicked(_ tokens: inout [UInt64]) {
        let now = ContinuousClock.now
        let any = watchers.withLock { table in
            table.lastHarvest = now
            return table.tickedCount > 0
        }
        guard any else { return }
        // A full batch may leave more ready: a few rounds, the rest waits for the next wake-up.
        for _ in 0..<4 {
            let count = System.retrying {
                tokens.withUnsafeMutableBufferPointer {
                    berth_epoll_wait(tickedEpollFD, $0.baseAddress, Int32($0.count), 0)
                }
            }
            guard count > 0 else { return }
            for token in tokens.prefix(Int(count)) { _ = serveWatcher(token) }
            guard Int(count) == tokens.count else { return }
        }
    }

    /// Out of epoll first: a child forked meanwhile may hold a copy of the descriptor until it execs, and epoll
    /// would keep reporting it.
    private func closeWatched(_ fd: Int32, set: Int32) {
        _ = berth_epoll_del(set, fd)
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
