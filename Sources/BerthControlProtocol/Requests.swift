/// Body of `POST /v1/scale`: the new replica count per service.
public struct ScaleRequest: Codable, Sendable, Equatable {
    public var services: [String: Int]
    /// How long to wait for the new count to be ready before answering; nil answers at once.
    public var timeoutMilliseconds: Int?

    public init(services: [String: Int], timeoutMilliseconds: Int?) {
        self.services = services
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case services
        case timeoutMilliseconds = "timeout_ms"
    }
}

/// Body of the operations that only take a timeout: `POST /v1/wait`, `/v1/down`, `/v1/services/NAME/...`.
public struct WaitRequest: Codable, Sendable, Equatable {
    public var timeoutMilliseconds: Int?

    public init(timeoutMilliseconds: Int?) {
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case timeoutMilliseconds = "timeout_ms"
    }
}

/// Body of `POST /v1/reload`: apply the edited manifest (the daemon's own file, or `file`).
public struct ReloadRequest: Codable, Sendable, Equatable {
    /// Absolute path of the manifest to apply; nil re-reads the file the daemon was started with.
    public var file: String?
    /// Only answer with the plan; change nothing.
    public var dryRun: Bool
    public var timeoutMilliseconds: Int?
    /// The variables the manifest's `${...}` read, from the environment of the `berth` that asks (a variable it does
    /// not have is absent): the manifest is interpolated with these, as `berth up` did, not with the daemon's own
    /// environment. Nil (an older client) interpolates with the daemon's environment.
    public var environment: [String: String]?
    /// The services the caller's `berth up web` or profiles selected: a service the edited manifest adds starts only
    /// if it is one of them. Nil: every added service starts.
    public var start: [String]?
    /// `berth up --watch` to a running daemon: turn `watch:` on for every service that declares it (until `down`).
    public var watch: Bool?

    public init(
        file: String? = nil, dryRun: Bool = false, timeoutMilliseconds: Int? = nil,
        environment: [String: String]? = nil, start: [String]? = nil, watch: Bool? = nil
    ) {
        self.file = file
        self.dryRun = dryRun
        self.timeoutMilliseconds = timeoutMilliseconds
        self.environment = environment
        self.start = start
        self.watch = watch
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decodeIfPresent(String.self, forKey: .file)
        dryRun = try container.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
        timeoutMilliseconds = try container.decodeIfPresent(Int.self, forKey: .timeoutMilliseconds)
        environment = try container.decodeIfPresent([String: String].self, forKey: .environment)
        start = try container.decodeIfPresent([String].self, forKey: .start)
        watch = try container.decodeIfPresent(Bool.self, forKey: .watch)
    }

    enum CodingKeys: String, CodingKey {
        case file
        case dryRun = "dry_run"
        case timeoutMilliseconds = "timeout_ms"
        case environment
        case start
        case watch
    }
}

/// The answer of an operation: whether it completed, and the status afterwards.
public struct OperationResponse: Codable, Sendable, Equatable {
    public var ok: Bool
    public var message: String
    /// Services (or `service.N` replicas) that did not reach the goal, each with why.
    public var notReady: [NotReady]
    public var status: StatusResponse?

    public init(ok: Bool, message: String, notReady: [NotReady] = [], status: StatusResponse? = nil) {
        self.ok = ok
        self.message = message
        self.notReady = notReady
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case ok, message, status
        case notReady = "not_ready"
    }
}

/// A replica that is not where an operation wanted it, with the reason.
public struct NotReady: Codable, Sendable, Equatable {
    public var service: String
    public var replica: Int?
    public var state: ReplicaStateName?
    public var reason: String

    public init(service: String, replica: Int?, state: ReplicaStateName?, reason: String) {
        self.service = service
        self.replica = replica
        self.state = state
        self.reason = reason
    }
}

/// One line of a replica's output, as streamed by `GET /v1/logs` (NDJSON, one object per line).
public struct LogEntry: Codable, Sendable, Equatable {
    public enum Stream: String, Codable, Sendable { case stdout, stderr, daemon }
    public var service: String
    public var replica: Int
    public var stream: Stream
    /// Seconds since the Unix epoch.
    public var time: Double
    public var line: String

    public init(service: String, replica: Int, stream: Stream, time: Double, line: String) {
        self.service = service
        self.replica = replica
        self.stream = stream
        self.time = time
        self.line = line
    }
}

/// Every error the control API returns: `{"error": {"code": ..., "message": ...}}` with a 4xx or 5xx status.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public struct Body: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
    }

    public var error: Body

    public init(code: String, message: String) {
        self.error = Body(code: code, message: message)
    }
}

/// Body of `POST /v1/services/NAME/run` (`berth run-now`): with `wait`, the answer comes once the run ended.
public struct RunRequest: Codable, Sendable, Equatable {
    public var timeoutMilliseconds: Int?
    public var wait: Bool?

    public init(timeoutMilliseconds: Int? = nil, wait: Bool? = nil) {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.wait = wait
    }

    enum CodingKeys: String, CodingKey {
        case timeoutMilliseconds = "timeout_ms"
        case wait
    }
}
