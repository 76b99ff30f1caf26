public import BerthGatewayCore
public import BerthHooks
public import BerthResources
public import BerthSchedule

/// Everything the supervisor needs to run, probe, restart and stop one service of the manifest.
public struct ServiceSpec: Sendable, Codable, Equatable {
    public var name: String
    /// The program and its arguments (no shell involved).
    public var command: [String]
    /// Absolute, normalized working directory.
    public var workdir: String
    /// `env_file` entries merged in order, then `env`; interpolated.
    public var environment: [String: String]
    /// Values that reach the replica's environment but no output (`env: { KEY: { secret: ... } }` and the
    /// `secrets:` files); never a key of `environment` too.
    public var secrets: [String: SecretValue]
    /// What the replica inherits from berthd's environment: the service's `env_inherit`, else the project's.
    public var envInherit: EnvInheritance = .standard
    public var replicas: Int
    public var port: PortMode
    public var ready: ProbeSpec?
    public var health: ProbeSpec?
    /// `health.gateway_failures`: this many requests in a row failing at the gateway (connect error, reset, bad
    /// response, timeout) count as a failed liveness check; nil = off.
    public var gatewayFailures: Int?
    public var restart: RestartSpec
    public var stop: StopSpec
    public var dependsOn: [String: DependencyCondition]
    public var user: String?
    public var group: String?
    /// The container image, needed only by the Kubernetes export.
    public var image: String?
    /// The port the service listens on inside a container when `port` is `auto`.
    public var containerPort: Int
    public var rollout: RolloutSpec
    /// The service reports readiness with sd_notify (`READY=1`).
    public var notify: Bool
    /// The step `berth up` runs before the first start (`build:`), if any.
    public var build: BuildSpec?
    /// `profiles:`: the service starts with `berth up` only when one of these is active (`--profile`,
    /// `BERTH_PROFILES`) or when it is named; empty: always.
    public var profiles: [String] = []
    /// `limits:`: what each replica may use (all nil: no limits).
    public var limits = LimitsSpec()
    /// `schedule:`: the service is a job run at these times (and by `berth run-now`), not at `berth up`.
    public var schedule: ScheduleSpec?
    /// `on_failure:` / `on_event:` of this service.
    public var hooks: [HookSpec] = []
    /// `protocol:`: how the gateway speaks to the replicas (HTTP/1.1, h2c, gRPC).
    public var upstreamProtocol: UpstreamProtocol = .http1
    /// `watch:`: a change of these files runs `build:` and rolls the service's replicas.
    public var watch: WatchSpec?
    /// Location of the service's key under `services:`.
    public var location: SourceLocation?
    /// Dotted key path -> location, e.g. `command`, `restart.policy`, `ready.http`, `env.KEY`, `depends_on.db`.
    public var keyLocations: [String: SourceLocation]

    public init(
        name: String,
        command: [String],
        workdir: String,
        environment: [String: String] = [:],
        secrets: [String: SecretValue] = [:],
        replicas: Int = ManifestSchema.Defaults.replicas,
        port: PortMode = .none,
        ready: ProbeSpec? = nil,
        health: ProbeSpec? = nil,
        gatewayFailures: Int? = nil,
        restart: RestartSpec = RestartSpec(),
        stop: StopSpec = StopSpec(),
        dependsOn: [String: DependencyCondition] = [:],
        user: String? = nil,
        group: String? = nil,
        image: String? = nil,
        containerPort: Int = ManifestSchema.Defaults.containerPort,
        rollout: RolloutSpec = RolloutSpec(),
        notify: Bool = ManifestSchema.Defaults.notify,
        build: BuildSpec? = nil,
        location: SourceLocation? = nil,
        keyLocations: [String: SourceLocation] = [:]
    ) {
        self.name = name
        self.command = command
        self.workdir = workdir
        self.environment = environment
        self.secrets = secrets
        self.replicas = replicas
        self.port = port
        self.ready = ready
        self.health = health
        self.gatewayFailures = gatewayFailures
        self.restart = restart
        self.stop = stop
        self.dependsOn = dependsOn
        self.user = user
        self.group = group
        self.image = image
        self.containerPort = containerPort
        self.rollout = rollout
        self.notify = notify
        self.build = build
        self.location = location
        self.keyLocations = keyLocations
    }
}
