/// When a replica that exited is started again.
public enum RestartPolicy: String, Sendable, Codable, CaseIterable {
    case always
    case onFailure = "on-failure"
    case never
}

/// How long to wait before restarting: `initial * multiplier^n`, capped at `max`, randomized by `jitter`.
public struct BackoffSpec: Sendable, Codable, Equatable {
    public var initial: Duration
    public var max: Duration
    public var multiplier: Double
    /// A fraction 0...1 of the delay added or removed at random.
    public var jitter: Double

    public init(
        initial: Duration = ManifestSchema.Defaults.backoffInitial,
        max: Duration = ManifestSchema.Defaults.backoffMax,
        multiplier: Double = ManifestSchema.Defaults.backoffMultiplier,
        jitter: Double = ManifestSchema.Defaults.backoffJitter
    ) {
        self.initial = initial
        self.max = max
        self.multiplier = multiplier
        self.jitter = jitter
    }
}

/// Stop restarting a replica that restarted `restarts` times within `within` (it is then marked failed).
public struct GiveUpSpec: Sendable, Codable, Equatable {
    public var restarts: Int
    public var within: Duration

    public init(
        restarts: Int = ManifestSchema.Defaults.giveUpRestarts,
        within: Duration = ManifestSchema.Defaults.giveUpWithin
    ) {
        self.restarts = restarts
        self.within = within
    }
}

/// The restart behaviour of a service's replicas.
public struct RestartSpec: Sendable, Codable, Equatable {
    public var policy: RestartPolicy
    public var backoff: BackoffSpec
    public var giveUp: GiveUpSpec
    /// The backoff resets after a replica stayed ready (or running, without a ready probe) this long.
    public var resetAfter: Duration

    public init(
        policy: RestartPolicy = ManifestSchema.Defaults.restartPolicy,
        backoff: BackoffSpec = BackoffSpec(),
        giveUp: GiveUpSpec = GiveUpSpec(),
        resetAfter: Duration = ManifestSchema.Defaults.resetAfter
    ) {
        self.policy = policy
        self.backoff = backoff
        self.giveUp = giveUp
        self.resetAfter = resetAfter
    }
}
