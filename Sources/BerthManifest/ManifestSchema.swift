/// The one place that lists every manifest section, its known keys and the defaults of their values.
///
/// Adding a key means adding it to its section here (so it is no longer "unknown"), a default below if it has one,
/// and reading it in the matching `ManifestBuilder+*.swift` file.
public enum ManifestSchema {
    /// A mapping in the manifest and the keys it may contain.
    public struct Section: Sendable {
        /// How diagnostics name the section, e.g. `service`.
        public var name: String
        public var keys: [String]

        public init(_ name: String, keys: [String]) {
            self.name = name
            self.keys = keys
        }
    }

    public static let root = Section("manifest", keys: ["name", "gateway", "services"])
    public static let gateway = Section("gateway", keys: ["listen", "routes"])
    public static let route = Section("route", keys: ["path", "service", "strip_prefix", "host"])
    public static let service = Section("service", keys: [
        "command", "workdir", "env", "env_file", "replicas", "port", "ready", "health", "restart", "stop",
        "depends_on", "user", "group",
    ])
    public static let probe = Section("probe", keys: [
        "http", "tcp", "exec", "interval", "timeout", "failure_threshold", "success_threshold", "initial_delay",
    ])
    public static let restart = Section("restart", keys: ["policy", "backoff", "give_up", "reset_after"])
    public static let backoff = Section("backoff", keys: ["initial", "max", "multiplier", "jitter"])
    public static let giveUp = Section("give_up", keys: ["restarts", "within"])
    public static let stop = Section("stop", keys: ["signal", "timeout"])

    /// The exclusive check keys of a probe.
    public static let probeChecks = ["http", "tcp", "exec"]

    /// Default values of optional keys.
    public enum Defaults {
        public static let listen = ListenAddress(host: "127.0.0.1", port: 8080)
        public static let stripPrefix = false
        public static let workdir = "."
        public static let replicas = 1
        public static let port = PortMode.none
        public static let readyInterval = Duration.seconds(1)
        public static let readyTimeout = Duration.seconds(1)
        public static let healthInterval = Duration.seconds(5)
        public static let healthTimeout = Duration.seconds(2)
        public static let failureThreshold = 3
        public static let successThreshold = 1
        public static let initialDelay = Duration.zero
        public static let restartPolicy = RestartPolicy.always
        public static let backoffInitial = Duration.milliseconds(100)
        public static let backoffMax = Duration.seconds(30)
        public static let backoffMultiplier = 2.0
        public static let backoffJitter = 0.1
        public static let giveUpRestarts = 5
        public static let giveUpWithin = Duration.seconds(60)
        public static let resetAfter = Duration.seconds(10)
        public static let stopSignal: Int32 = 15
        public static let stopTimeout = Duration.seconds(10)
        /// Condition of a `depends_on` given as a list of names.
        public static let dependencyCondition = DependencyCondition.started
        /// Project name used when the folder name sanitizes to nothing.
        public static let project = "project"
    }
}
