import BerthManifest
import BerthProbes
import BerthSupervisorCore
import BerthSystem
import Synchronization

/// A replica's HTTP or TCP probe while its successes change nothing (`ReplicaMachine.steadyProbeInterval`): the
/// probe that ends arms the next round on the epoll thread (`ReadinessLoop.after`) instead of reporting to the
/// supervisor, which would only record the success and arm a timer for the next probe. At 1,000 replicas probed
/// twice a second that round trip (stream, actor, machine, timer heap) was most of the daemon's CPU. A failure
/// ends the chain and reaches the supervisor as every probe result did, with its message for the logs; so does a
/// success the machine must hear (the chain is then made with no interval). The supervisor cancels the chain when
/// the replica's phase changes (`Supervisor.cancelProbeChains`).
///
/// A steady chain may serve both of the replica's probes when they send the same request (`ProbeExchange`): the
/// other kind joins it, each round's result counts for every member (metrics, and a failure reaches the supervisor
/// once per member), and a member leaves when its probe changes (a reload) or stops. Members may have different
/// timeouts: a round waits for the longest, and an answer later than a member's own timeout is that member's
/// failure ("timed out after …", as if it had probed alone), while the other member counts it as a success.
final class ProbeChain: Sendable {
    struct Key: Hashable, Sendable {
        var service: String
        var slot: Int
        var kind: ProbeKind
    }

    /// The probes this chain serves, and whether it still runs. Touched by the supervisor (join, leave) and by the
    /// epoll thread (a round's end).
    private struct Members {
        struct Member {
            let kind: ProbeKind
            let series: ProbeSeries
            /// The member's own timeout; a round runs with the longest.
            let timeout: Duration
        }

        var list: [Member]
        var cancelled = false
        /// A result reached the supervisor: no next round, nobody may join.
        var ended = false
    }

    let key: Key
    let incarnation: Int
    /// nil: not steady, so never shared.
    let exchange: ProbeExchange?
    private let spec: ProbeSpec
    private let port: Int?
    /// nil: report every result (the machine needs to hear successes too).
    private let interval: Duration?
    private let grain: Duration
    private let prober: any ProbeRunning
    private let loop: any ReadinessLoop
    private let deliver: @Sendable (ProbeInbox.Result) -> Void
    private let members: Mutex<Members>

    init(
        key: Key, incarnation: Int, spec: ProbeSpec, port: Int?, interval: Duration?, grain: Duration,
        prober: any ProbeRunning, loop: any ReadinessLoop, series: ProbeSeries,
        deliver: @escaping @Sendable (ProbeInbox.Result) -> Void
    ) {
        self.key = key
        self.incarnation = incarnation
        self.exchange = ProbeExchange(spec: spec, port: port, incarnation: incarnation, steadyInterval: interval)
        self.spec = spec
        self.port = port
        self.interval = interval
        self.grain = grain
        self.prober = prober
        self.loop = loop
        self.deliver = deliver
        self.members = Mutex(Members(list: [.init(kind: key.kind, series: series, timeout: spec.timeout)]))
    }

    /// The probe kinds this chain serves now.
    var kinds: [ProbeKind] { members.withLock { $0.list.map(\.kind) } }

    /// Starts one round; false when the check is not one `start` runs (exec, gRPC: the supervisor's task path).
    @discardableResult
    func start() -> Bool {
        var round = spec
        round.timeout = members.withLock { $0.list.map(\.timeout).max() } ?? spec.timeout
        let started = ContinuousClock.now
        return prober.start(round, port: port) { [self] success, detail in
            finished(success: success, detail: detail, duration: ContinuousClock.now - started)
        }
    }

    /// Serves `kind` too from the next round on; false when the chain ended or was cancelled meanwhile (the caller
    /// then starts a chain of its own).
    func join(_ kind: ProbeKind, series: ProbeSeries, timeout: Duration) -> Bool {
        members.withLock { members in
            guard !members.cancelled, !members.ended, !members.list.contains(where: { $0.kind == kind }) else {
                return false
            }
            members.list.append(.init(kind: kind, series: series, timeout: timeout))
            return true
        }
    }

    /// Stops serving `kind`; the chain stops when nobody is left.
    func leave(_ kind: ProbeKind) {
        members.withLock { members in
            guard let index = members.list.firstIndex(where: { $0.kind == kind }) else { return }
            members.list.remove(at: index)
            if members.list.isEmpty { members.cancelled = true }
        }
    }

    /// Stops the chain: a round armed already does nothing, a round in flight reports nothing.
    func cancel() {
        members.withLock { $0.cancelled = true }
    }

    private var isCancelled: Bool { members.withLock { $0.cancelled } }

    private func finished(success: Bool, detail: String, duration: Duration) {
        let (list, cancelled, repeats, outcomes) = members.withLock {
            members -> ([Members.Member], Bool, Bool, [(success: Bool, detail: String)]) in
            let outcomes = members.list.map { member in
                Self.judge(success: success, detail: detail, duration: duration, timeout: member.timeout)
            }
            let repeats = interval != nil && outcomes.allSatisfy(\.success)
            if !repeats && !members.cancelled { members.ended = true }
            return (members.list, members.cancelled, repeats, outcomes)
        }
        for (member, outcome) in zip(list, outcomes) {
            (outcome.success ? member.series.successes : member.series.failures).increment()
            member.series.duration.recordNanoseconds(duration.nanoseconds)
        }
        if cancelled || list.isEmpty { return }
        if repeats, let interval {
            let next = Supervisor.roundedUp(.now + interval, to: grain)
            loop.after(next) { [self] in
                guard !isCancelled else { return }
                start()
            }
            return
        }
        for (member, outcome) in zip(list, outcomes) {
            deliver(
                ProbeInbox.Result(
                    kind: member.kind, incarnation: incarnation, success: outcome.success, detail: outcome.detail,
                    service: key.service, slot: key.slot))
        }
    }

    /// One member's reading of a shared round: an answer that came after the member's own timeout is its failure,
    /// worded as the prober words a timeout.
    static func judge(
        success: Bool, detail: String, duration: Duration, timeout: Duration
    )
        -> (success: Bool, detail: String)
    {
        guard success, duration > timeout else { return (success, detail) }
        return (false, "timed out after \(Prober.describe(timeout))")
    }
}
