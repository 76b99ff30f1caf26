/// A readiness or liveness check of a replica, with its timing and thresholds.
public struct ProbeSpec: Sendable, Codable, Equatable {
    public enum Check: Sendable, Codable, Equatable {
        /// GET this path on the replica's port; 2xx/3xx is a success.
        case http(path: String)
        /// Connect to the replica's port.
        case tcp
        /// Run this command; exit status 0 is a success.
        case exec([String])
        /// `ready: { notify: true }`: ready once the replica sent sd_notify `READY=1` to its `NOTIFY_SOCKET`.
        case notify
        /// `health: { watchdog: 10s }`: alive while the replica sends sd_notify `WATCHDOG=1` at least this often.
        case watchdog(Duration)
        /// `grpc: true` or `grpc: { service: NAME }`: grpc.health.v1 `Health/Check` on the replica's port over
        /// cleartext HTTP/2; SERVING is a success. nil asks for the server's overall status.
        case grpc(service: String?)
    }

    public var check: Check
    public var interval: Duration
    public var timeout: Duration
    public var failureThreshold: Int
    public var successThreshold: Int
    public var initialDelay: Duration
    /// `keepalive: false` on an http probe: a new connection per probe (`Connection: close`) instead of one kept for
    /// the next probe (docs/manifest.md, "Probes").
    public var keepAlive: Bool = true

    public init(
        check: Check,
        interval: Duration,
        timeout: Duration,
        failureThreshold: Int = ManifestSchema.Defaults.failureThreshold,
        successThreshold: Int = ManifestSchema.Defaults.successThreshold,
        initialDelay: Duration = ManifestSchema.Defaults.initialDelay
    ) {
        self.check = check
        self.interval = interval
        self.timeout = timeout
        self.failureThreshold = failureThreshold
        self.successThreshold = successThreshold
        self.initialDelay = initialDelay
    }
}

extension ProbeSpec {
    /// `health: { watchdog: ... }`.
    public var isWatchdog: Bool {
        if case .watchdog = check { return true }
        return false
    }
}
