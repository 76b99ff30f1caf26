/// Where the admin listener binds, how it authenticates, and how long and how many connections it keeps.
public struct AdminConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The bearer token of scripts (`Authorization: Bearer TOKEN`); browsers log in with a session cookie.
    public var token: String?
    /// `/metrics` and `/healthz` answer without a credential (a loopback listener whose token berthd generated).
    public var openProbes: Bool
    /// Connections open at once (dashboard streams included); when full, the one that waited longest for a request is
    /// closed to make room (one being answered never is).
    public var maxConnections: Int
    /// Connections open at once from one peer address, so that one client cannot take them all.
    public var maxConnectionsPerPeer: Int
    /// A connection that has not sent a complete request (head and body) this long after connecting is closed.
    public var headTimeout: Duration
    /// A keep-alive connection that sends no new complete request this long after its last response is closed.
    public var idleTimeout: Duration

    public init(
        host: String, port: Int, token: String? = nil, openProbes: Bool = false, maxConnections: Int = 256,
        maxConnectionsPerPeer: Int = 32, headTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.openProbes = openProbes
        self.maxConnections = maxConnections
        self.maxConnectionsPerPeer = maxConnectionsPerPeer
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
    }

    /// Whether `host` only accepts connections from this machine: an IPv4 literal in 127.0.0.0/8, `::1` or
    /// `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || AdminAccess.isLoopbackIPv4(Substring(host))
    }
}
