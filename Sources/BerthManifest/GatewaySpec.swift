public import BerthGatewayCore

/// The built-in HTTP gateway: where it listens and which path prefixes go to which service.
public struct GatewaySpec: Sendable, Codable, Equatable {
    public var listen: [ListenAddress]
    /// The listen addresses that serve HTTPS, with their certificate and key; the others serve plain HTTP.
    public var tls: [ListenAddress: TLSFiles] = [:]
    public var routes: [RouteSpec]
    /// `p2c` (default), `round_robin` or `least_conn`.
    public var balance: String = ManifestSchema.Defaults.balance
    /// How long a request waits for a ready replica while one is starting (then 503).
    public var queueTimeout: Duration = ManifestSchema.Defaults.queueTimeout
    /// Per try, time until the replica's response head (then 504; the request is not sent to another replica).
    public var timeout: Duration = ManifestSchema.Defaults.upstreamTimeout
    /// Extra tries on another replica after a connect failure or a reset before any response byte (never after a
    /// timeout: the replica is alive and processing the request).
    public var retries: Int = ManifestSchema.Defaults.retries
    /// Largest request head (request line and headers), else 431.
    public var maxHeaderBytes: Int = ManifestSchema.Defaults.maxHeaderBytes
    /// Largest request body, else 413; nil = unlimited (streamed).
    public var maxBodyBytes: Int?
    /// A client must send a complete request head within this, else 408.
    public var headerTimeout: Duration = ManifestSchema.Defaults.headerTimeout
    /// Idle keep-alive client connections are closed after this.
    public var idleTimeout: Duration = ManifestSchema.Defaults.idleTimeout
    /// Client connections accepted at once; more are closed at accept.
    public var maxConnections: Int = ManifestSchema.Defaults.maxConnections
    /// One structured log line per request.
    public var accessLog: Bool = ManifestSchema.Defaults.accessLog
    /// Most header fields in a request head (and trailer fields), else 431.
    public var maxHeaders: Int = ManifestSchema.Defaults.maxHeaders
    /// A client that takes none of the response's bytes for this long is closed, with its replica connection.
    public var sendTimeout: Duration = ManifestSchema.Defaults.sendTimeout
    /// A client sending a request body that sends none of it for this long, while its replica has not answered, is
    /// refused (408, gRPC `DEADLINE_EXCEEDED`): it no longer holds the replica until the route's `timeout`.
    public var bodyTimeout: Duration = ManifestSchema.Defaults.bodyTimeout
    /// Address blocks (CIDR, IPv4 or IPv6) of proxies in front of Berth whose forwarding fields are believed.
    public var trustForwarded: [String] = []
    /// The services' `protocol:` by name, for the gateway (only those not `http1`; filled from `services:`).
    public var upstreamProtocols: [String: UpstreamProtocol] = [:]
    /// Limits of HTTP/2 client connections (`http2:`).
    public var http2 = HTTP2LimitsSpec()
    /// Location of the `gateway:` key.
    public var location: SourceLocation?

    public init(listen: [ListenAddress], routes: [RouteSpec], location: SourceLocation?) {
        self.listen = listen
        self.routes = routes
        self.location = location
    }
}
