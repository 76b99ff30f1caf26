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

    public static let root = Section(
        "manifest",
        keys: [
            "name", "log", "gateway", "services", "admin", "port_range", "env_inherit",
            "on_failure", "on_event",
        ])
    public static let admin = Section("admin", keys: ["listen", "token"])
    public static let log = Section("log", keys: ["driver"])
    public static let gateway = Section(
        "gateway",
        keys: [
            "listen", "routes", "balance", "queue_timeout", "timeout", "retries", "max_header_bytes", "max_body_bytes",
            "header_timeout", "idle_timeout", "max_connections", "access_log", "max_headers", "send_timeout",
            "body_timeout", "trust_forwarded",
            "http2",
        ])
    public static let listener = Section("listen address", keys: ["address", "tls"])
    public static let tls = Section("tls", keys: ["cert", "key"])
    public static let http2 = Section(
        "http2",
        keys: [
            "max_concurrent_streams", "max_header_list_size", "header_table_size", "initial_window", "max_resets",
            "reset_window",
        ])
    public static let route = Section(
        "route",
        keys: [
            "path", "service", "strip_prefix", "host", "timeout", "retries", "max_body_bytes", "deadline",
        ])
    public static let service = Section(
        "service",
        keys: [
            "profiles", "command", "workdir", "env", "env_file", "secrets", "replicas", "port", "ready", "health",
            "restart",
            "stop", "depends_on", "user", "group", "image", "container_port", "rollout", "notify", "build",
            "env_inherit",
            "limits",
            "schedule",
            "on_failure", "on_event",
            "protocol",
            "watch",
        ])
    /// `env: { KEY: { secret: VALUE } }`.
    public static let secretValue = Section("secret env value", keys: ["secret"])
    public static let probe = Section(
        "probe",
        keys: [
            "http", "tcp", "exec", "notify", "watchdog", "interval", "timeout", "failure_threshold",
            "success_threshold",
            "initial_delay", "gateway_failures",
            "grpc",
            "keepalive",
        ])
    public static let restart = Section("restart", keys: ["policy", "backoff", "give_up", "reset_after"])
    public static let backoff = Section("backoff", keys: ["initial", "max", "multiplier", "jitter"])
    public static let giveUp = Section("give_up", keys: ["restarts", "within"])
    public static let stop = Section("stop", keys: ["signal", "timeout"])
    public static let rollout = Section("rollout", keys: ["max_surge", "max_unavailable", "ready_timeout"])
    public static let build = Section("build", keys: ["command", "workdir", "inputs"])
    public static let watch = Section(
        "watch",
        keys: [
            "paths", "ignore", "debounce",
            "enabled", "build_timeout",
        ])
    public static let schedule = Section(
        "schedule",
        keys: [
            "cron", "every", "time_zone", "concurrency", "starting_deadline",
            "max_concurrent",
        ])
    /// One hook of `on_failure:` / `on_event:`.
    public static let hook = Section("hook", keys: ["command", "url", "timeout", "retries", "restarts"])
    public static let limits = Section("limits", keys: ["memory", "memory_soft", "cpu", "pids", "open_files", "core"])

    /// The exclusive check keys of a probe.
    public static let probeChecks = ["http", "tcp", "exec", "notify", "watchdog", "grpc"]

    /// Default values of optional keys.
    public enum Defaults {
        public static let listen = ListenAddress(host: "127.0.0.1", port: 8080)
        public static let stripPrefix = false
        public static let balance = "p2c"
        public static let balancePolicies = ["p2c", "round_robin", "least_conn"]
        public static let queueTimeout = Duration.seconds(5)
        public static let upstreamTimeout = Duration.seconds(60)
        public static let retries = 2
        public static let maxHeaderBytes = 16 * 1024
        public static let headerTimeout = Duration.seconds(10)
        public static let idleTimeout = Duration.seconds(60)
        public static let maxConnections = 20_000
        public static let accessLog = true
        public static let maxHeaders = 100
        public static let sendTimeout = Duration.seconds(30)
        /// Apache's mod_reqtimeout default (`body=20`); nginx's `client_body_timeout` is 60 s, the route's `timeout`.
        public static let bodyTimeout = Duration.seconds(20)
        public static let workdir = "."
        public static let replicas = 1
        /// The most replicas a service may have: what `berth scale` and the control API accept
        /// (`ControlCommand.maximumReplicas`), so that every replica a manifest starts can be named (`web.999`).
        public static let maximumReplicas = 1000
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
        /// The port a service listens on inside a container when its `port` is `auto`.
        public static let containerPort = 8080
        public static let maxSurge = 1
        public static let maxUnavailable = 0
        public static let rolloutReadyTimeout = Duration.seconds(60)
        public static let watchDebounce = Duration.milliseconds(500)
        public static let watchBuildTimeout = Duration.seconds(600)
        /// Whether a service reports readiness with sd_notify.
        public static let notify = false
        /// `log.driver`.
        public static let logDriver = LogSpec.Driver.auto
        /// Condition of a `depends_on` given as a list of names.
        public static let dependencyCondition = DependencyCondition.started
        /// Project name used when the folder name sanitizes to nothing.
        public static let project = "project"
        /// The smallest `limits.memory`: 1 MiB.
        public static let minimumMemoryLimit = 1 << 20
        /// The largest `limits.cpu`: Linux's largest CPU count (`NR_CPUS`), so that the CFS quota fits in every
        /// integer it passes through and in what the kernel accepts.
        public static let maximumCPUCores = 8192
        /// The largest `limits.pids`: the kernel's `PID_MAX_LIMIT` (4M), above which `pids.max` is refused.
        public static let maximumPids = 4 << 20
    }
}
