import BerthManifest
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
final class ProbeChain: Sendable {
    struct Key: Hashable, Sendable {
        var service: String
        var slot: Int
        var kind: ProbeKind
    }

    let key: Key
    let incarnation: Int
    private let spec: ProbeSpec
    private let port: Int?
    /// nil: report every result (the machine needs to hear successes too).
    private let interval: Duration?
    private let grain: Duration
    private let prober: any ProbeRunning
    private let loop: any ReadinessLoop
    private let series: ProbeSeries
    private let deliver: @Sendable (ProbeInbox.Result) -> Void
    private let cancelled = Atomic<Bool>(false)

    init(
        key: Key, incarnation: Int, spec: ProbeSpec, port: Int?, interval: Duration?, grain: Duration,
        prober: any ProbeRunning, loop: any ReadinessLoop, series: ProbeSeries,
        deliver: @escaping @Sendable (ProbeInbox.Result) -> Void
    ) {
        self.key = key
        self.incarnation = incarnation
        self.spec = spec
        self.port = port
        self.interval = interval
        self.grain = grain
        self.prober = prober
        self.loop = loop
        self.series = series
        self.deliver = deliver
    }

    /// Starts one round; false when the check is not one `start` runs (exec, gRPC: the supervisor's task path).
    @discardableResult
    func start() -> Bool {
        let started = ContinuousClock.now
        return prober.start(spec, port: port) { [self] success, detail in
            finished(success: success, detail: detail, duration: ContinuousClock.now - started)
        }
    }

    /// Stops the chain: a round armed already does nothing, a round in flight reports nothing.
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    private func finished(success: Bool, detail: String, duration: Duration) {
        (success ? series.successes : series.failures).increment()
        series.duration.recordNanoseconds(duration.nanoseconds)
        if cancelled.load(ordering: .relaxed) { return }
        if success, let interval {
            let next = Supervisor.roundedUp(.now + interval, to: grain)
            loop.after(next) { [self] in
                guard !cancelled.load(ordering: .relaxed) else { return }
                start()
            }
            return
        }
        deliver(
            ProbeInbox.Result(
                kind: key.kind, incarnation: incarnation, success: success, detail: detail, service: key.service,
                slot: key.slot))
    }
}
