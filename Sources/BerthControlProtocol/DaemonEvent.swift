/// One thing that happened in the daemon, as streamed by `GET /v1/events` (NDJSON or SSE), `berth events` and the
/// dashboard: a replica changed state, a service was scaled, the gateway ejected a replica, or the once-a-second
/// traffic sample of every route.
///
/// Field names are the documented schema (docs/control-api.md); later versions may add fields and kinds.
public struct DaemonEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A replica's state, process or readiness changed (`state`, `ready`, `pid`, `message`).
        case replica
        /// A service got a new desired replica count (`desired`).
        case scaled
        /// The gateway took a replica out of rotation after consecutive failed requests.
        case ejected
        /// A rollout of a service started, completed, was rolled back or cancelled (`message` says which).
        case rollout
        /// Once a second: the last full second of every route (`routes`).
        case rates
        /// The gateway serves a renewed TLS certificate, or refused one that does not load (`message` says which).
        case certificate
        /// A scheduled job's run started, was skipped (the last one still runs) or was missed while the daemon was
        /// down (`message` says which).
        case schedule
        /// A `watch:` saw a change, built, rolled out, or failed and left the running version serving (`message`).
        case watch
    }

    /// Increases by one per event of this daemon, so that a client sees what it missed.
    public var sequence: Int
    /// Seconds since the Unix epoch.
    public var time: Double
    public var kind: Kind
    public var service: String?
    public var replica: Int?
    public var state: ReplicaStateName?
    public var ready: Bool?
    public var pid: Int32?
    public var desired: Int?
    /// What happened, worded for people: "ready (pid 123)", "killed by SIGKILL; restarting in 100 ms", ...
    public var message: String
    public var routes: [RoutePoint]?

    public init(
        sequence: Int = 0, time: Double, kind: Kind, service: String? = nil, replica: Int? = nil,
        state: ReplicaStateName? = nil, ready: Bool? = nil, pid: Int32? = nil, desired: Int? = nil,
        message: String, routes: [RoutePoint]? = nil
    ) {
        self.sequence = sequence
        self.time = time
        self.kind = kind
        self.service = service
        self.replica = replica
        self.state = state
        self.ready = ready
        self.pid = pid
        self.desired = desired
        self.message = message
        self.routes = routes
    }

    enum CodingKeys: String, CodingKey {
        case sequence = "seq"
        case time, kind, service, replica, state, ready, pid, desired, message, routes
    }
}

/// One second of one gateway route: requests answered, how many were 5xx, and latency percentiles.
public struct RoutePoint: Codable, Sendable, Equatable {
    /// `path`, or `host/path` for host routes (the `route` label of `/metrics`).
    public var route: String
    public var service: String
    /// The second, as seconds since the Unix epoch.
    public var second: Int
    public var requests: Int
    public var errors: Int
    /// Latency percentiles in milliseconds (upper bounds of the histogram bins); nil without requests.
    public var p50: Double?
    public var p99: Double?

    public init(
        route: String, service: String, second: Int, requests: Int, errors: Int, p50: Double?, p99: Double?
    ) {
        self.route = route
        self.service = service
        self.second = second
        self.requests = requests
        self.errors = errors
        self.p50 = p50
        self.p99 = p99
    }

    enum CodingKeys: String, CodingKey {
        case route, service, second, requests, errors
        case p50 = "p50_ms"
        case p99 = "p99_ms"
    }
}

/// Which events `GET /v1/events` returns: `?tail=N` recent ones first (default 20), then every new one;
/// `format=sse` for Server-Sent Events instead of NDJSON.
public struct EventQuery: Sendable, Equatable {
    public var tail: Int
    public var serverSentEvents: Bool

    public init(tail: Int = 20, serverSentEvents: Bool = false) {
        self.tail = tail
        self.serverSentEvents = serverSentEvents
    }
}
