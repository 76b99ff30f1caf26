public import BerthHooks

/// A loaded, validated `berth.yaml`: the one description of a project that the daemon and the CLI act on.
public struct Manifest: Sendable, Codable, Equatable {
    /// The `name:` key, or the sanitized name of the manifest's folder.
    public var project: String
    /// Absolute path of the manifest file.
    public var file: String
    /// Absolute path of the folder holding the manifest; relative paths in the manifest start here.
    public var directory: String
    public var gateway: GatewaySpec?
    /// The admin listener (`/metrics`); nil when the manifest has no `admin:` key.
    public var admin: AdminSpec?
    /// The `log:` section (defaults when absent).
    public var log: LogSpec
    /// `port_range: 20000-20999`: where `port: auto` picks ports; nil: the kernel's ephemeral range.
    public var portRange: ClosedRange<Int>?
    public var services: [String: ServiceSpec]
    /// The project-wide `on_failure:` / `on_event:` hooks (every service's events); a service's own are in its spec.
    public var hooks: [HookSpec] = []
    /// Service names in topological order of `depends_on`; ties broken by name.
    public var startOrder: [String]
    public var warnings: [Diagnostic]
    /// Variables of the loading environment that secret values interpolate (`{ secret: "${DB_PASSWORD}" }`): the
    /// daemon inherits the CLI's environment, and would otherwise hand these to every replica as plain variables.
    public var secretVariables: Set<String> = []
    /// Variables that a gateway's `tls.key` path interpolates. A path is no secret (it is not masked in output),
    /// but it tells a replica where the gateway's private key lies, so it is withheld like `secretVariables`.
    public var keyPathVariables: Set<String> = []

    /// Every variable the manifest's `${...}` read (per-replica ones aside): what `berth reload` sends from its own
    /// environment, so that the daemon interpolates the edited manifest with the caller's values.
    public var referencedVariables: Set<String> = []

    /// The files the manifest was read from, in the order they were merged: the manifest itself, its `include:`s,
    /// its override file (see `ManifestSources`).
    public var sourceFiles: [String] = []

    /// The variables no replica inherits, whatever its `env_inherit` says (the manifest's `env` may still set them).
    public var withheldVariables: Set<String> { secretVariables.union(keyPathVariables) }

    public init(
        project: String,
        file: String,
        directory: String,
        gateway: GatewaySpec?,
        admin: AdminSpec? = nil,
        log: LogSpec = LogSpec(),
        portRange: ClosedRange<Int>? = nil,
        services: [String: ServiceSpec],
        startOrder: [String],
        warnings: [Diagnostic]
    ) {
        self.project = project
        self.file = file
        self.directory = directory
        self.gateway = gateway
        self.admin = admin
        self.log = log
        self.portRange = portRange
        self.services = services
        self.startOrder = startOrder
        self.warnings = warnings
    }
}
