import BerthSystem
import Glibc
import Synchronization

/// Kept-alive HTTP probe connections between two probes, per replica address. A new loopback TCP connection costs
/// the prober ~46 µs of kernel CPU (bench/lib/probe_floor.c) against a few µs for a request on an open one, and at
/// 1,000 replicas probed twice a second that difference is most of the daemon's CPU. A kept connection hides a
/// replica whose accept queue is full, so every `freshEvery`-th probe of an address opens a new one, and after that
/// until a new one has succeeded: a replica that stops accepting fails every probe from then on.
///
/// Idle connections are not watched: one the server closed shows up when the next probe uses it, which then
/// reconnects (`ProbeConnection`) without counting a failure.
final class ProbeConnectionPool: Sendable {
    struct Key: Hashable, Sendable {
        var host: String
        var port: Int
    }

    private struct Idle {
        var fd: Int32
        var since: ContinuousClock.Instant
    }

    private struct Entry {
        var idle: [Idle] = []
        var probes = 0
        /// Set at every `freshEvery`-th probe, cleared when a probe on a new connection succeeded.
        var needsFresh = false
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var lastSweep: ContinuousClock.Instant
    }

    /// Every 10th probe of an address (ready and health together) opens a new connection.
    static let freshEvery = 10
    /// Kept connections per address: a readiness and a liveness probe may run at the same time.
    static let maxIdle = 2
    /// A connection idle this long is closed (a replica that went away, a probe that stopped).
    static let idleLimit = Duration.seconds(30)

    private let state: Mutex<State>

    init(now: ContinuousClock.Instant = .now) {
        state = Mutex(State(lastSweep: now))
    }

    /// A kept connection to `key` for the next probe, or nil: open a new one (none idle, or this probe must prove
    /// that the replica still accepts).
    func checkOut(_ key: Key, now: ContinuousClock.Instant = .now) -> Int32? {
        var stale: [Int32] = []
        let fd: Int32? = state.withLock { state in
            stale = sweep(&state, now: now)
            var entry = state.entries[key, default: Entry()]
            defer { state.entries[key] = entry }
            entry.probes += 1
            if entry.probes % Self.freshEvery == 0 { entry.needsFresh = true }
            if entry.needsFresh {
                stale += entry.idle.map(\.fd)
                entry.idle = []
                return nil
            }
            return entry.idle.popLast()?.fd
        }
        for fd in stale { Self.closeKept(fd) }
        return fd
    }

    /// Keeps `fd` (its probe succeeded and the response ended cleanly) for the next probe of `key`; `fresh` says it
    /// was opened for this probe.
    func checkIn(_ key: Key, fd: Int32, fresh: Bool, now: ContinuousClock.Instant = .now) {
        let close: [Int32] = state.withLock { state in
            var entry = state.entries[key, default: Entry()]
            defer { state.entries[key] = entry }
            if fresh { entry.needsFresh = false }
            guard !entry.needsFresh else { return [fd] }
            entry.idle.append(Idle(fd: fd, since: now))
            guard entry.idle.count > Self.maxIdle else { return [] }
            return [entry.idle.removeFirst().fd]
        }
        for fd in close { Self.closeKept(fd) }
    }

    /// Closes a kept connection with a FIN, not the reset a probe's socket is set up for: its server is waiting for
    /// the next request, and a reset there is an error it may log (Python's `http.server` prints a traceback for
    /// each), while a FIN is the ordinary end of a keep-alive connection. At most one probe in `freshEvery` pays for
    /// it (a TIME_WAIT socket on this side).
    static func closeKept(_ fd: Int32) {
        var graceful = linger(l_onoff: 0, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &graceful, socklen_t(MemoryLayout<linger>.size))
        System.close(fd)
    }

    /// How many connections are kept (for tests).
    var idleCount: Int {
        state.withLock { $0.entries.values.reduce(0) { $0 + $1.idle.count } }
    }

    /// Every 10 s: closes connections idle longer than `idleLimit` and forgets addresses with none.
    private func sweep(_ state: inout State, now: ContinuousClock.Instant) -> [Int32] {
        guard now - state.lastSweep >= .seconds(10) else { return [] }
        state.lastSweep = now
        var stale: [Int32] = []
        for (key, var entry) in state.entries {
            let (old, kept) = (entry.idle.filter { now - $0.since > Self.idleLimit }, entry.idle.count)
            guard !old.isEmpty || (kept == 0 && !entry.needsFresh) else { continue }
            stale += old.map(\.fd)
            entry.idle.removeAll { now - $0.since > Self.idleLimit }
            state.entries[key] = entry.idle.isEmpty && !entry.needsFresh ? nil : entry
        }
        return stale
    }
}
