import BerthSystem
import Glibc
import Synchronization

/// Kept-alive HTTP probe connections between two probes, per replica address. A new loopback TCP connection costs
/// the prober ~46 µs of kernel CPU (bench/lib/probe_floor.c) against a few µs for a request on an open one, and at
/// 1,000 replicas probed twice a second that difference is most of the daemon's CPU. A kept connection hides a
/// replica whose accept queue is full, so every `freshEvery`-th probe of an address opens a new one, and after that
/// until a new one has succeeded: a replica that stops accepting fails every probe from then on.
///
/// Idle connections stay in the epoll set between probes (`WatchNext.keep`), served by an `IdleWatch`: taking one
/// for a probe swaps the handler and costs no `epoll_ctl`, and one the server closes while idle is dropped at once.
/// (One closed while a probe takes it still shows up in that probe, which reconnects without counting a failure.)
final class ProbeConnectionPool: Sendable {
    struct Key: Hashable, Sendable {
        var host: String
        var port: Int
    }

    /// A kept connection: its descriptor and its watch in the loop.
    struct Kept: Sendable, Equatable {
        var fd: Int32
        var token: UInt64
    }

    private struct Idle {
        var kept: Kept
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
    /// Where the kept connections are watched (and closed).
    private let loop: any ReadinessLoop

    init(loop: any ReadinessLoop, now: ContinuousClock.Instant = .now) {
        self.loop = loop
        state = Mutex(State(lastSweep: now))
    }

    /// A kept connection to `key` for the next probe, or nil: open a new one (none idle, or this probe must prove
    /// that the replica still accepts).
    func checkOut(_ key: Key, now: ContinuousClock.Instant = .now) -> Kept? {
        var stale: [Kept] = []
        let kept: Kept? = state.withLock { state in
            stale = sweep(&state, now: now)
            var entry = state.entries[key, default: Entry()]
            defer { state.entries[key] = entry }
            entry.probes += 1
            if entry.probes % Self.freshEvery == 0 { entry.needsFresh = true }
            if entry.needsFresh {
                stale += entry.idle.map(\.kept)
                entry.idle = []
                return nil
            }
            return entry.idle.popLast()?.kept
        }
        for kept in stale { close(kept) }
        return kept
    }

    /// Keeps `kept` (its probe succeeded and the response ended cleanly; it is in the loop, served by an
    /// `IdleWatch`) for the next probe of `key`; `fresh` says it was opened for this probe.
    func checkIn(_ key: Key, _ kept: Kept, fresh: Bool, now: ContinuousClock.Instant = .now) {
        let stale: [Kept] = state.withLock { state in
            var entry = state.entries[key, default: Entry()]
            defer { state.entries[key] = entry }
            if fresh { entry.needsFresh = false }
            guard !entry.needsFresh else { return [kept] }
            entry.idle.append(Idle(kept: kept, since: now))
            guard entry.idle.count > Self.maxIdle else { return [] }
            return [entry.idle.removeFirst().kept]
        }
        for kept in stale { close(kept) }
    }

    /// Forgets `kept` if it is idle here (its server closed it or wrote to it between probes): true when the caller
    /// now owns it. false: a probe took it meanwhile, or it was let go.
    func drop(_ key: Key, _ kept: Kept) -> Bool {
        state.withLock { state in
            guard var entry = state.entries[key], let index = entry.idle.firstIndex(where: { $0.kept == kept }) else {
                return false
            }
            entry.idle.remove(at: index)
            state.entries[key] = entry
            return true
        }
    }

    /// Makes a kept connection close with a FIN, not the reset a probe's socket is set up for: its server is waiting for
    /// the next request, and a reset there is an error it may log (Python's `http.server` prints a traceback for
    /// each), while a FIN is the ordinary end of a keep-alive connection. At most one probe in `freshEvery` pays for
    /// it (a TIME_WAIT socket on this side).
    static func closeGracefully(_ fd: Int32) {
        var graceful = linger(l_onoff: 0, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &graceful, socklen_t(MemoryLayout<linger>.size))
    }

    /// Lets a kept connection go: the loop closes it (with a FIN, see `closeGracefully`).
    private func close(_ kept: Kept) {
        Self.closeGracefully(kept.fd)
        loop.cancel(kept.token)
    }

    /// How many connections are kept (for tests).
    var idleCount: Int {
        state.withLock { $0.entries.values.reduce(0) { $0 + $1.idle.count } }
    }

    /// Every 10 s: closes connections idle longer than `idleLimit` and forgets addresses with none.
    private func sweep(_ state: inout State, now: ContinuousClock.Instant) -> [Kept] {
        guard now - state.lastSweep >= .seconds(10) else { return [] }
        state.lastSweep = now
        var stale: [Kept] = []
        for (key, var entry) in state.entries {
            let (old, kept) = (entry.idle.filter { now - $0.since > Self.idleLimit }, entry.idle.count)
            guard !old.isEmpty || (kept == 0 && !entry.needsFresh) else { continue }
            stale += old.map(\.kept)
            entry.idle.removeAll { now - $0.since > Self.idleLimit }
            state.entries[key] = entry.idle.isEmpty && !entry.needsFresh ? nil : entry
        }
        return stale
    }
}

/// Serves a kept connection while it waits in the loop for its next probe. It is readable only if its server closed it
/// (its keep-alive timeout, a restart) or wrote without being asked: either way it is dropped, which is no failure.
final class IdleWatch: ReadinessHandler, @unchecked Sendable {
    private let pool: ProbeConnectionPool
    private let key: ProbeConnectionPool.Key
    private let kept: ProbeConnectionPool.Kept

    init(pool: ProbeConnectionPool, key: ProbeConnectionPool.Key, kept: ProbeConnectionPool.Kept) {
        self.pool = pool
        self.key = key
        self.kept = kept
    }

    func ready() -> WatchNext {
        // Taken by a probe meanwhile: that probe rewatches it and sees the close (and reconnects) itself.
        guard pool.drop(key, kept) else { return .read }
        ProbeConnectionPool.closeGracefully(kept.fd)
        return .done
    }

    func timedOut() {}
}
