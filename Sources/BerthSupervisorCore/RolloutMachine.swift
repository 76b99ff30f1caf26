/// Plans the replacement of a service's replicas (a rolling restart or a changed spec), as a pure state machine.
///
/// Events in (with the current instant), actions out; the supervisor creates, promotes and stops slots. Each
/// replica index is replaced either *beside* the serving process (a surge: the replacement starts, becomes ready,
/// enters rotation, then the old one is drained and stopped) or *in place* (the old one is drained and stopped
/// first; used when the port is fixed, or within `maxUnavailable`). At most `maxSurge` replacements run beside and
/// at most `maxUnavailable` in place at a time.
///
/// A replacement that crashes or is not ready within `readyTimeout` fails the rollout: replacements in progress are
/// abandoned (the old processes kept serving beside them), and replicas already replaced are replaced again with the
/// old spec, the same way. The machine then finishes with `.rolledBack`.
public struct RolloutMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// Which spec a replacement runs: the rollout's new one, or the old one (rolling back).
    public enum Target: Sendable, Equatable {
        case new, old
    }

    public struct Options: Sendable, Equatable {
        public var maxSurge: Int
        public var maxUnavailable: Int
        public var readyTimeout: Duration
        /// False for a fixed base port: two processes of one index cannot listen at once.
        public var canSurge: Bool

        public init(maxSurge: Int, maxUnavailable: Int, readyTimeout: Duration, canSurge: Bool) {
            self.maxSurge = maxSurge
            self.maxUnavailable = maxUnavailable
            self.readyTimeout = readyTimeout
            self.canSurge = canSurge
        }

        /// Replacements beside serving processes at once.
        var besideLimit: Int { canSurge ? maxSurge : 0 }
        /// Replacements in place at once; at least one when nothing can surge, so that the rollout progresses.
        var inPlaceLimit: Int { besideLimit == 0 ? max(1, maxUnavailable) : maxUnavailable }
    }

    /// Where the replacement of one replica index is.
    public enum Step: Sendable, Equatable {
        /// Not touched yet; the index runs `runs`.
        case waiting(runs: Target)
        /// A replacement runs beside the serving process, not ready yet.
        case surging(Target, deadline: Instant)
        /// The replacement was promoted; the old process is draining and stopping.
        case retiring(Target)
        /// The old process is draining and stopping before its replacement starts in place.
        case stoppingOld(Target)
        /// The replacement started in place of the stopped process, not ready yet.
        case startingInPlace(Target, deadline: Instant)
        /// The replacement failed and is being stopped; afterwards the index runs `runs` (or starts `restart`).
        case aborting(runs: Target, restart: Target?)
        /// Nothing in progress; the index runs `runs`.
        case settled(runs: Target)
    }

    public enum Outcome: Sendable, Equatable {
        case completed
        /// The new spec failed; every replica runs the old spec again (`incomplete` lists indexes that could not be
        /// brought back and still run the new one).
        case rolledBack(reason: String, incomplete: [Int])
    }

    public enum Phase: Sendable, Equatable {
        case rolling
        case rollingBack(reason: String)
        case finished(Outcome)
    }

    public enum Event: Sendable, Equatable {
        case begin
        /// The replacement of `index` became ready.
        case replacementReady(Int)
        /// The replacement of `index` exited, failed to spawn, or was stopped behind the rollout's back.
        case replacementFailed(Int, reason: String)
        /// The process the step is stopping (old, or an aborted replacement) is gone.
        case stopped(Int)
        /// Time passed: deadlines are checked.
        case tick
    }

    public enum Action: Sendable, Equatable {
        /// Start a replacement of `index` running `target` beside the serving process.
        case startBeside(Int, Target)
        /// Drain and stop the serving process of `index`; answer `.stopped(index)` once it is gone.
        case stopServing(Int)
        /// Start a replacement of `index` running `target` where no process serves; answer ready or failed.
        case startInPlace(Int, Target)
        /// Put the ready replacement of `index` in rotation as the serving process; when another process served
        /// that index, drain and stop it and answer `.stopped(index)`.
        case promote(Int)
        /// Stop the failed replacement of `index`; answer `.stopped(index)` once it is gone.
        case abandon(Int)
        /// Deliver `.tick` at this instant.
        case schedule(at: Instant)
        case finished(Outcome)
    }

    public let options: Options
    public internal(set) var phase: Phase = .rolling
    public internal(set) var steps: [Int: Step]
    let order: [Int]
    /// Indexes whose return to the old spec failed while rolling back: left on the new one.
    var abandonedRollbacks: Set<Int> = []

    public init(indexes: [Int], options: Options) {
        self.options = options
        self.order = indexes.sorted()
        self.steps = Dictionary(uniqueKeysWithValues: indexes.map { ($0, Step.waiting(runs: .old)) })
    }

    /// The spec the rollout is moving towards now.
    var goal: Target {
        switch phase {
        case .rolling: .new
        case .rollingBack, .finished: .old
        }
    }

    public var isFinished: Bool {
        if case .finished = phase { return true }
        return false
    }
}
