/// Everything the supervisor needs to run, probe, restart and stop one service of the manifest.
public struct ServiceSpec: Sendable, Equatable {
    public var name: String
    /// The program and its arguments (no shell involved).
    public var command: [String]
    /// Absolute, normalized working directory.
    public var workdir: String
    /// `env_file` entries merged in order, then `env`; interpolated.
    public var environment: [String: String]
    public var replicas: Int
    public var port: PortMode
    public var ready: ProbeSpec?
    public var health: ProbeSpec?
    public var restart: RestartSpec
    public var stop: StopSpec
    public var dependsOn: [String: DependencyCondition]
    public var user: String?
    public var group: String?
    /// Location of the service's key under `services:`.
    public var location: SourceLocation?
    /// Dotted key path -> location, e.g. `command`, `restart.policy`, `ready.http`, `env.KEY`, `depends_on.db`.
    public var keyLocations: [String: SourceLocation]

    public init(
        name: String,
        command: [String],
        workdir: String,
        environment: [String: String] = [:],
        replicas: Int = ManifestSchema.Defaults.replicas,
        port: PortMode = .none,
        ready: ProbeSpec? = nil,
        health: ProbeSpec? = nil,
        restart: RestartSpec = RestartSpec(),
        stop: StopSpec = StopSpec(),
        dependsOn: [String: DependencyCondition] = [:],
        user: String? = nil,
        group: String? = nil,
        location: SourceLocation? = nil,
        keyLocations: [String: SourceLocation] = [:]
    ) {
        self.name = name
        self.command = command
        self.workdir = workdir
        self.environment = environment
        self.replicas = replicas
        self.port = port
        self.ready = ready
        self.health = health
        self.restart = restart
        self.stop = stop
        self.dependsOn = dependsOn
        self.user = user
        self.group = group
        self.location = location
        self.keyLocations = keyLocations
    }
}
