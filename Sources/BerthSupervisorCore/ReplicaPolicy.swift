/// Everything the replica state machine needs to know about its service, already resolved from the manifest.
///
/// A plain value so that the state machine never sees the manifest, the file system or a clock.
public struct ReplicaPolicy: Sendable, Equatable {
    public enum Restart: Sendable, Equatable { case always, onFailure, never }

    public var restart: Restart
    public var backoff: Backoff
    public var giveUp: GiveUpWindow.Limit
    /// A process that stayed up (ready, when it has a readiness check) this long resets the backoff.
    public var resetAfter: Duration
    public var stopTimeout: Duration
    /// Readiness checks; nil means ready as soon as the process started.
    public var ready: ProbePolicy?
    /// Liveness checks; nil means never restarted for being unhealthy.
    public var health: ProbePolicy?
    /// This many requests in a row failing at the gateway count as a failed liveness check; nil = ignored.
    public var gatewayFailureThreshold: Int?
    /// The replica takes gateway traffic: before it is stopped it leaves the rotation and its in-flight requests
    /// finish (`.drain`), and only then is it signalled.
    public var drainBeforeStop: Bool

    public init(
        restart: Restart = .always,
        backoff: Backoff = Backoff(),
        giveUp: GiveUpWindow.Limit = .init(restarts: 5, within: .seconds(60)),
        resetAfter: Duration = .seconds(10),
        stopTimeout: Duration = .seconds(10),
        ready: ProbePolicy? = nil,
        health: ProbePolicy? = nil,
        gatewayFailureThreshold: Int? = nil,
        drainBeforeStop: Bool = false
    ) {
        self.restart = restart
        self.backoff = backoff
        self.giveUp = giveUp
        self.resetAfter = resetAfter
        self.stopTimeout = stopTimeout
        self.ready = ready
        self.health = health
        self.gatewayFailureThreshold = gatewayFailureThreshold.map { max(1, $0) }
        self.drainBeforeStop = drainBeforeStop
    }
}

/// How often and how strictly one kind of probe runs.
public struct ProbePolicy: Sendable, Equatable {
    public var interval: Duration
    public var timeout: Duration
    public var failureThreshold: Int
    public var successThreshold: Int
    public var initialDelay: Duration

    public init(
        interval: Duration = .seconds(1),
        timeout: Duration = .seconds(1),
        failureThreshold: Int = 3,
        successThreshold: Int = 1,
        initialDelay: Duration = .zero
    ) {
        self.interval = interval
        self.timeout = timeout
        self.failureThreshold = max(1, failureThreshold)
        self.successThreshold = max(1, successThreshold)
        self.initialDelay = initialDelay
    }

    /// Until a replica is first ready, readiness is probed at least this often, so that `berth up` and dependants
    /// do not wait a whole interval for a service that came up in 50 ms.
    public static let startupProbeCeiling: Duration = .milliseconds(100)
}

/// The two kinds of checks a replica has.
public enum ProbeKind: String, Sendable, Hashable {
    case ready, health
}
