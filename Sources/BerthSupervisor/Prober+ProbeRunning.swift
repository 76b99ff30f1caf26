public import BerthManifest
public import BerthProbes
public import BerthProcess
public import BerthSystem

extension Prober: ProbeRunning {
    public var readinessLoop: (any ReadinessLoop)? { loop }

    /// Probes a replica on loopback: replicas listen on their `PORT` on this machine.
    public func probe(
        _ check: ProbeSpec.Check, port: Int?, exec: SpawnRequest?, timeout: Duration
    ) async -> (Bool, String) {
        let outcome: ProbeOutcome
        switch check {
        case .http(let path):
            guard let port else { return (false, "the replica has no port") }
            outcome = await http(host: "127.0.0.1", port: port, path: path, timeout: timeout)
        case .tcp:
            guard let port else { return (false, "the replica has no port") }
            outcome = await tcp(host: "127.0.0.1", port: port, timeout: timeout)
        case .grpc(let service):
            guard let port else { return (false, "the replica has no port") }
            outcome = await grpc(host: "127.0.0.1", port: port, service: service, timeout: timeout)
        case .exec:
            guard let exec else { return (false, "no command") }
            outcome = await self.exec(exec, timeout: timeout)
        case .notify, .watchdog:
            return (false, "answered by the supervisor from sd_notify messages, not probed")
        }
        switch outcome {
        case .success: return (true, "")
        case .failure(let why): return (false, why)
        }
    }

    public func start(
        _ check: ProbeSpec.Check, port: Int?, timeout: Duration,
        completion: @escaping @Sendable (Bool, String) -> Void
    ) -> Bool {
        start(
            ProbeSpec(check: check, interval: timeout, timeout: timeout), keepAlive: false, port: port,
            completion: completion)
    }

    public func start(_ spec: ProbeSpec, port: Int?, completion: @escaping @Sendable (Bool, String) -> Void) -> Bool {
        start(spec, keepAlive: spec.keepAlive, port: port, completion: completion)
    }

    private func start(
        _ spec: ProbeSpec, keepAlive: Bool, port: Int?, completion: @escaping @Sendable (Bool, String) -> Void
    ) -> Bool {
        let timeout = spec.timeout
        let report: @Sendable (ProbeOutcome) -> Void = { outcome in
            switch outcome {
            case .success: completion(true, "")
            case .failure(let why): completion(false, why)
            }
        }
        switch spec.check {
        case .http(let path):
            guard let port else {
                completion(false, "the replica has no port")
                return true
            }
            startHTTP(
                host: "127.0.0.1", port: port, path: path, timeout: timeout, keepAlive: keepAlive, completion: report)
        case .tcp:
            guard let port else {
                completion(false, "the replica has no port")
                return true
            }
            startTCP(host: "127.0.0.1", port: port, timeout: timeout, completion: report)
        case .grpc, .exec, .notify, .watchdog:
            return false
        }
        return true
    }
}
