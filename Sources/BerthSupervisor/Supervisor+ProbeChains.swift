import BerthManifest
import BerthSupervisorCore

extension Supervisor {
    /// Runs `kind`'s probe as a `ProbeChain` on the prober's epoll loop: repeated there while the replica's machine
    /// says its successes change nothing, reported here otherwise. A steady probe that sends what the replica's other
    /// steady probe sends joins that one's chain (`ProbeExchange`): one request per period serves both. false: the
    /// prober has no loop, or the check is not one it starts without a task (exec, gRPC); the caller runs it the
    /// other way.
    func startProbeChain(
        _ kind: ProbeKind, incarnation: Int, spec: ProbeSpec, port: Int?, service: String, slot id: Int
    ) -> Bool {
        guard let loop = prober.readinessLoop, let machine = services[service]?.slot(id)?.machine else { return false }
        let key = ProbeChain.Key(service: service, slot: id, kind: kind)
        let interval = machine.steadyProbeInterval(kind, incarnation: incarnation)
        let series = metrics.probeSeries.series(service: service, kind: kind, factory: metrics.factory)
        probeChains.removeValue(forKey: key)?.leave(kind)
        let other = ProbeChain.Key(service: service, slot: id, kind: kind == .ready ? .health : .ready)
        if let exchange = ProbeExchange(spec: spec, port: port, incarnation: incarnation, steadyInterval: interval),
            let shared = probeChains[other], shared.exchange == exchange,
            shared.join(kind, series: series, timeout: spec.timeout)
        {
            probeChains[key] = shared
            return true
        }
        let inbox = probeInbox
        let inputs = self.inputs
        let chain = ProbeChain(
            key: key, incarnation: incarnation, spec: spec, port: port, interval: interval, grain: clock.probeGrain,
            prober: prober, loop: loop, series: series,
            deliver: { result in
                if inbox.post(result) { inputs.yield(.probeResults) }
            })
        guard chain.start() else { return false }
        probeChains[key] = chain
        return true
    }

    /// Stops the slot's chains, unless `machine` still runs their incarnation (nil: stops them all).
    func cancelProbeChains(service: String, slot id: Int, keeping machine: ReplicaMachine?) {
        let running: Int? =
            if case .running(let process)? = machine?.phase { process.incarnation } else { nil }
        for kind in [ProbeKind.ready, .health] {
            let key = ProbeChain.Key(service: service, slot: id, kind: kind)
            guard let chain = probeChains[key], chain.incarnation != running else { continue }
            chain.leave(kind)
            probeChains[key] = nil
        }
    }
}
