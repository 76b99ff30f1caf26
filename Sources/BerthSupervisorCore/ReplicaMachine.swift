/// The lifecycle of one replica slot (`service.N`), as a pure state machine.
///
/// Every input is an event with the current instant; every output is a list of `ReplicaAction`s that name side
/// effects (spawn, signal, schedule a timer, run a probe) for the supervisor's I/O layer to carry out. Nothing here
/// touches processes, sockets or clocks, so every transition is unit-tested with explicit instants.
///
/// A slot outlives its processes: each spawn is an *incarnation*, and events about an older incarnation (a late
/// probe result, a stale timer) are recognised and ignored.
public struct ReplicaMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// The process currently running in the slot.
    public struct Process: Sendable, Equatable {
        public var pid: Int32
        public var incarnation: Int
        public var startedAt: Instant
        public var ready: Bool
        public var everReady: Bool
        public var readySince: Instant?
        var readyProbe = ProbeTracker()
        var healthProbe = ProbeTracker()
    }

    /// What happens once a stopping process has exited.
    public enum AfterStop: Sendable, Equatable {
        /// Stay stopped (`berth stop`, scale-down, `down`).
        case stay
        /// Start again at once with fresh counters (`berth restart`, or `start` while stopping).
        case startFresh
        /// It was stopped for failing its liveness check: a failure, subject to backoff and give-up.
        case restartAfterFailure(reason: String)
    }

    public enum Phase: Sendable, Equatable {
        /// Nothing runs and nothing should.
        case stopped
        /// A spawn was requested; `.spawned` or `.spawnFailed` comes next.
        case spawning
        case running(Process)
        /// Out of the gateway's rotation, waiting for its in-flight requests before it is signalled.
        case draining(Process, then: AfterStop)
        case stopping(Process, then: AfterStop, killed: Bool)
        case backoff(until: Instant)
        case failed(reason: String)
        /// A one-shot job that exited 0 under `on-failure` or `never`.
        case completed
    }

    public let policy: ReplicaPolicy
    public internal(set) var phase: Phase = .stopped
    /// Spawns after the first one.
    public internal(set) var restarts = 0
    public internal(set) var lastExit: ExitInfo?
    /// Why the replica is failed, in backoff, or was last restarted.
    public internal(set) var reason: String?
    var consecutiveFailures = 0
    var giveUp: GiveUpWindow
    var incarnations = 0
    /// A process was spawned at least once (a spawn that failed does not count).
    var everSpawned = false
    var random: SplitMix64

    public init(policy: ReplicaPolicy, seed: UInt64 = 0x9E37_79B9) {
        self.policy = policy
        self.giveUp = GiveUpWindow(limit: policy.giveUp)
        self.random = SplitMix64(seed: seed)
    }

    /// The process in the slot, if one runs (also while it is being stopped).
    public var process: Process? {
        switch phase {
        case .running(let process), .draining(let process, _), .stopping(let process, _, _): process
        case .stopped, .spawning, .backoff, .failed, .completed: nil
        }
    }

    public var isReady: Bool {
        if case .running(let process) = phase { return process.ready }
        return false
    }

    /// Why the readiness check of a running, not-ready process failed last (`NOT_SERVING`, `connection refused`...),
    /// while its latest answer is a failure; nil otherwise. Said by `berth up -d` while it waits: "readiness check
    /// not passing yet" alone left a user guessing why a `grpc:` probe never passed (outside audit, audit6).
    public var readinessFailure: String? {
        guard case .running(let process) = phase, !process.ready, process.readyProbe.consecutiveFailures > 0 else {
            return nil
        }
        return process.readyProbe.lastFailure
    }

    /// True when nothing runs and nothing will without a command (stopped, failed or completed).
    public var isAtRest: Bool {
        switch phase {
        case .stopped, .failed, .completed: true
        case .spawning, .running, .draining, .stopping, .backoff: false
        }
    }
}

extension ReplicaMachine.Phase {
    /// Equal phases as the rest of the supervisor sees them: the same case, the same process and readiness, but
    /// not necessarily the same probe counters. A probe cycle changes the counters of a running process and nothing
    /// else; treating that as a change made every probe walk the whole project.
    public func hasSameOutline(as other: Self) -> Bool {
        switch (self, other) {
        case (.running(let a), .running(let b)):
            a.sameOutline(as: b)
        case (.draining(let a, let thenA), .draining(let b, let thenB)):
            a.sameOutline(as: b) && thenA == thenB
        case (.stopping(let a, let thenA, let killedA), .stopping(let b, let thenB, let killedB)):
            a.sameOutline(as: b) && thenA == thenB && killedA == killedB
        case (.stopped, _), (.spawning, _), (.backoff, _), (.failed, _), (.completed, _),
            (.running, _), (.draining, _), (.stopping, _):
            self == other
        }
    }
}

extension ReplicaMachine.Process {
    func sameOutline(as other: Self) -> Bool {
        pid == other.pid && incarnation == other.incarnation && ready == other.ready && everReady == other.everReady
    }
}

/// The side effects the supervisor carries out for a replica.
public enum ReplicaAction: Sendable, Equatable {
    /// Start a new process for this slot; answer with `.spawned` or `.spawnFailed` before any other event.
    case spawn(incarnation: Int)
    /// Take the replica out of the gateway's rotation and answer `.drained` once its in-flight requests finished
    /// (or the stop timeout passed).
    case drain(incarnation: Int)
    /// Send the service's stop signal to the process group.
    case signalStop(pid: Int32)
    /// SIGKILL the process group (also sent after a leader exits, so that nothing it started lingers).
    case killGroup(pid: Int32)
    /// Call back with `.timer` at `at`.
    case schedule(ReplicaTimer, at: ContinuousClock.Instant)
    /// Run a probe now and answer with `.probeResult`.
    case probe(ProbeKind, incarnation: Int)
    /// The replica entered or left the ready set (gates dependants and, later, gateway traffic).
    case readinessChanged(Bool)
    /// The process is being stopped for failing (a liveness check, the gateway's failures): what it has not
    /// answered, it never will, so the gateway can give up on (or replay) its in-flight requests now.
    case hung(incarnation: Int)
}

extension ReplicaAction {
    /// The probe cycle of a replica whose state did not change: schedule the next probe, run it. Nothing above the
    /// replica needs to hear of it.
    public var isRoutine: Bool {
        switch self {
        case .schedule, .probe: true
        case .spawn, .drain, .signalStop, .killGroup, .readinessChanged, .hung: false
        }
    }
}

/// Timers the state machine asks for; each names the incarnation it belongs to, so stale ones are ignored.
public enum ReplicaTimer: Sendable, Hashable {
    case backoffElapsed
    case stopTimeout(incarnation: Int)
    case probe(ProbeKind, incarnation: Int)
}

/// How a process ended, as the state machine needs it.
public struct ExitInfo: Sendable, Equatable {
    public var succeeded: Bool
    /// e.g. "exited with status 1", "killed by SIGKILL".
    public var description: String
    /// The memory limit's OOM killer ended it (or one of its processes): cause `oom`, restarted as a crash.
    public var outOfMemory: Bool
    /// The status the process exited with; nil when a signal ended it (`berth up --exit-code-from`).
    public var exitCode: Int?

    public init(succeeded: Bool, description: String, outOfMemory: Bool = false, exitCode: Int? = nil) {
        self.succeeded = succeeded
        self.description = description
        self.outOfMemory = outOfMemory
        self.exitCode = exitCode
    }
}

/// Inputs to a replica's state machine.
public enum ReplicaEvent: Sendable, Equatable {
    /// Run (no-op when already running or about to).
    case start
    /// Stop and stay stopped.
    case stop
    /// Stop if running, then start again with cleared failure counters; also clears `failed`.
    case restart
    case spawned(pid: Int32)
    case spawnFailed(reason: String)
    /// No process could be started now because a resource is short (no free port for `port: auto`, too many open
    /// files, fork's EAGAIN): backed off and tried again like a crash, under the give-up rules, since the shortage
    /// can pass by itself (unlike a missing binary).
    case spawnDeferred(reason: String)
    case exited(ExitInfo)
    /// The spawned process never ran its program (its exec failed after `.spawned`): a failed start, not a crash.
    case execFailed(reason: String)
    case drained(incarnation: Int)
    case timer(ReplicaTimer)
    case probeResult(ProbeKind, incarnation: Int, success: Bool, detail: String)
    /// The gateway saw `consecutive` requests in a row fail on this incarnation (passive health).
    case gatewayFailures(incarnation: Int, consecutive: Int, detail: String)
}
