import BerthManifest

/// What a steady probe sends and how often: two probes of one replica with equal exchanges can share one request per
/// period. The usual manifest probes the same path for `ready` and `health`; at 1,000 replicas that was 2,000
/// identical requests a second, half of them redundant (bench/scale.sh, issue 16). Pure, so that the sharing rule
/// has its own tests; `Supervisor.startProbeChain` applies it and `ProbeChain` feeds each member the same result.
/// Thresholds, initial delays and timeouts are not part of it: each probe keeps its own counters in the replica's
/// machine, and judges the shared answer by its own timeout (`ProbeChain`; the defaults differ, ready 1s and health
/// 2s, and a user who sets only `interval` on both must still get one request, not two).
struct ProbeExchange: Equatable, Sendable {
    let check: ProbeSpec.Check
    let port: Int?
    /// The period the machine repeats the probe at once steady (`ReplicaMachine.steadyProbeInterval`).
    let interval: Duration
    let keepAlive: Bool
    /// Probes of another incarnation (a replaced process) never share.
    let incarnation: Int

    /// nil when the probe cannot share: the machine must hear each of its results (`steadyInterval` nil: starting,
    /// failing), or the check is not one the epoll thread runs (exec, gRPC, sd_notify).
    init?(spec: ProbeSpec, port: Int?, incarnation: Int, steadyInterval: Duration?) {
        guard let steadyInterval else { return nil }
        switch spec.check {
        case .http, .tcp: break
        case .exec, .grpc, .notify, .watchdog: return nil
        }
        check = spec.check
        self.port = port
        interval = steadyInterval
        keepAlive = spec.keepAlive
        self.incarnation = incarnation
    }
}
