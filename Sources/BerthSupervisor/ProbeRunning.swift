public import BerthManifest
public import BerthProcess
public import BerthSystem

/// Runs one probe against one replica: what the supervisor needs from the probes module.
public protocol ProbeRunning: Sendable {
    /// - Parameters:
    ///   - check: what to check.
    ///   - port: the replica's port, for http and tcp checks.
    ///   - exec: the spawn request of an exec check (the replica's environment, workdir and user).
    /// - Returns: success, and a short description of a failure ("connection refused", "HTTP 500").
    func probe(_ check: ProbeSpec.Check, port: Int?, exec: SpawnRequest?, timeout: Duration) async -> (Bool, String)

    /// Starts an HTTP or TCP check without a task; `completion` gets the result once, on any thread. false when
    /// `check` is not of that kind (exec, gRPC): the supervisor then runs `probe` as a child task.
    func start(
        _ check: ProbeSpec.Check, port: Int?, timeout: Duration,
        completion: @escaping @Sendable (Bool, String) -> Void
    ) -> Bool

    /// `start` with the whole probe: an HTTP check may keep its connection for the next probe (`spec.keepAlive`).
    func start(_ spec: ProbeSpec, port: Int?, completion: @escaping @Sendable (Bool, String) -> Void) -> Bool

    /// The epoll loop `start`'s probes run on, where a steady probe arms its next round (`ProbeChain`); nil: every
    /// probe goes through the supervisor's timers (fakes).
    var readinessLoop: (any ReadinessLoop)? { get }
}

extension ProbeRunning {
    public var readinessLoop: (any ReadinessLoop)? { nil }

    public func start(
        _ check: ProbeSpec.Check, port: Int?, timeout: Duration,
        completion: @escaping @Sendable (Bool, String) -> Void
    ) -> Bool {
        false
    }

    public func start(_ spec: ProbeSpec, port: Int?, completion: @escaping @Sendable (Bool, String) -> Void) -> Bool {
        start(spec.check, port: port, timeout: spec.timeout, completion: completion)
    }
}
