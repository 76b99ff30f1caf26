public import BerthGatewayCore

/// Names a route by its host (nil = any) and path prefix.
public struct RouteKey: Hashable, Sendable {
    public var host: String?
    public var path: String

    public init(_ host: String?, _ path: String) {
        self.host = host
        self.path = path
    }
}

/// What the gateway needs from the manifest's `gateway:` section, resolved.
public struct GatewayConfiguration: Sendable {
    public struct Listen: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// PEM files for HTTPS on this address; nil for plain HTTP.
        public var tls: TLS?

        public init(host: String, port: Int, tls: TLS? = nil) {
            self.host = host
            self.port = port
            self.tls = tls
        }
    }

    /// A listen address's certificate chain and private key, both PEM files.
    public struct TLS: Sendable, Equatable {
        public var certificatePath: String
        public var privateKeyPath: String

        public init(certificatePath: String, privateKeyPath: String) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
        }
    }

    public var listen: [Listen]
    public var routes: [RouteTable.Route]
    public var balance: UpstreamBalancer.Policy
    /// How long a request waits for a ready replica while one is starting, before 503.
    public var queueTimeout: Duration
    /// Per-try time to the upstream's response head, before 504 (a route's `timeout` overrides it).
    public var upstreamTimeout: Duration
    /// Extra tries on another replica after a connect failure or a reset before any response byte.
    public var retries: Int
    public var limits: HTTPLimits
    /// Largest request body, in bytes (413 above it); nil = unlimited.
    public var maxBodyBytes: Int?
    /// Per-route overrides of `maxBodyBytes`, by the route's host and path.
    public var maxBodyBytesByRoute: [RouteKey: Int] = [:]
    /// A client that has not sent a complete request head this long after connecting (or after its previous
    /// response) gets 408 and is closed.
    public var headerTimeout: Duration
    /// Idle keep-alive client connections are closed after this long.
    public var idleTimeout: Duration
    public var maxClientConnections: Int
    /// Idle keep-alive connections kept per replica.
    public var maxIdlePerReplica: Int
    public var accessLog: Bool
    /// A client whose connection took none of the gateway's outbound bytes for this long (it stopped reading) is
    /// closed, and its replica connection with it.
    public var sendTimeout: Duration = .seconds(30)
    /// A client whose request body stops arriving for this long while its replica has not answered gets 408 (an
    /// HTTP/2 call `DEADLINE_EXCEEDED`), the try not judged: `body_timeout`.
    public var bodyTimeout: Duration = .seconds(20)
    /// Peers whose forwarding fields (X-Forwarded-For, Forwarded, ...) pass; from any other they are replaced.
    public var trustForwarded: [AddressBlock] = []
    /// How each service's replicas are spoken to (`protocol:`); a service not named speaks HTTP/1.1.
    public var upstreamProtocols: [String: UpstreamProtocol] = [:]
    /// Limits of HTTP/2 client connections (`http2:`).
    public var http2 = HTTP2Limits()

    /// Limits on replicas' response heads and trailers: `limits` (set for hostile clients: `max_header_bytes`,
    /// `max_headers`), but never below the defaults, so that tightening them for clients does not make ordinary
    /// responses (a few large Set-Cookie fields) 502s held against the replica.
    public var responseLimits: HTTPLimits {
        let defaults = HTTPLimits()
        return HTTPLimits(
            maxHeadBytes: max(limits.maxHeadBytes, defaults.maxHeadBytes),
            maxHeaderCount: max(limits.maxHeaderCount, defaults.maxHeaderCount),
            maxRequestLineBytes: max(limits.maxRequestLineBytes, defaults.maxRequestLineBytes))
    }

    public init(
        listen: [Listen],
        routes: [RouteTable.Route],
        balance: UpstreamBalancer.Policy = .p2c,
        queueTimeout: Duration = .seconds(5),
        upstreamTimeout: Duration = .seconds(60),
        retries: Int = 2,
        limits: HTTPLimits = HTTPLimits(),
        maxBodyBytes: Int? = nil,
        headerTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60),
        maxClientConnections: Int = 20_000,
        maxIdlePerReplica: Int = 128,
        accessLog: Bool = true
    ) {
        self.listen = listen
        self.routes = routes
        self.balance = balance
        self.queueTimeout = queueTimeout
        self.upstreamTimeout = upstreamTimeout
        self.retries = retries
        self.limits = limits
        self.maxBodyBytes = maxBodyBytes
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxClientConnections = maxClientConnections
        self.maxIdlePerReplica = maxIdlePerReplica
        self.accessLog = accessLog
    }
}
