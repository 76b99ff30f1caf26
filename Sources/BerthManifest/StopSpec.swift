/// How a replica is stopped: this signal first, SIGKILL after `timeout`.
public struct StopSpec: Sendable, Codable, Equatable {
    public var signal: Int32
    /// Canonical name, e.g. `SIGTERM`.
    public var signalName: String
    public var timeout: Duration

    public init(
        signal: Int32 = ManifestSchema.Defaults.stopSignal,
        signalName: String? = nil,
        timeout: Duration = ManifestSchema.Defaults.stopTimeout
    ) {
        self.signal = signal
        self.signalName = signalName ?? Signals.name(of: signal) ?? "SIG\(signal)"
        self.timeout = timeout
    }
}
