/// How a service's replicas are replaced one batch at a time, so an update never drops below serving capacity.
///
/// Read by the rolling restart and by the Kubernetes export (a Deployment's `RollingUpdate` strategy).
public struct RolloutSpec: Sendable, Codable, Equatable {
    /// How many replicas may run above `replicas` during a rollout.
    public var maxSurge: Int
    /// How many replicas may be missing (not ready) during a rollout.
    public var maxUnavailable: Int
    /// How long a new replica gets to become ready before the rollout fails.
    public var readyTimeout: Duration

    public init(
        maxSurge: Int = ManifestSchema.Defaults.maxSurge,
        maxUnavailable: Int = ManifestSchema.Defaults.maxUnavailable,
        readyTimeout: Duration = ManifestSchema.Defaults.rolloutReadyTimeout
    ) {
        self.maxSurge = maxSurge
        self.maxUnavailable = maxUnavailable
        self.readyTimeout = readyTimeout
    }
}
