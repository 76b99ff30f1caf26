extension ReplicaMachine {
    /// How often a probe of `kind` may run without the machine hearing its successes: non-nil when the replica
    /// runs `incarnation` with that probe in flight, and a success would change nothing but the time of the next
    /// probe (ready and never failing since, or alive and never failing since). Its value is the interval the
    /// machine would schedule after such a success. The I/O layer then repeats the probe itself at that interval
    /// (on the epoll thread, `ProbeChain`) and reports only a failure, which the machine hears as usual: at 1,000
    /// replicas, routine successes were most of the supervisor's work.
    public func steadyProbeInterval(_ kind: ProbeKind, incarnation: Int) -> Duration? {
        guard case .running(let process) = phase, process.incarnation == incarnation else { return nil }
        switch kind {
        case .ready:
            guard let probe = policy.ready, process.ready, process.everReady,
                process.readyProbe.inFlight, process.readyProbe.consecutiveFailures == 0
            else { return nil }
            return probe.interval
        case .health:
            guard let probe = policy.health, process.healthProbe.inFlight,
                process.healthProbe.consecutiveFailures == 0
            else { return nil }
            return probe.interval
        }
    }
}
