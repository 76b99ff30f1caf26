/// One gateway route: requests whose path starts with `path` (and whose Host matches `host`) go to `service`.
public struct RouteSpec: Sendable, Codable, Equatable {
    public var path: String
    public var service: String
    /// Remove `path` from the request path before forwarding.
    public var stripPrefix: Bool
    /// Only match requests with this Host header (without port), if set.
    public var host: String?
    /// Overrides the gateway's `timeout` for this route.
    public var timeout: Duration?
    /// Overrides the gateway's `retries` for this route.
    public var retries: Int?
    /// Overrides the gateway's `max_body_bytes` for this route.
    public var maxBodyBytes: Int?
    /// The whole exchange must end within this (504, or a cut connection once the response started).
    public var deadline: Duration?
    /// Location of the route's entry in the `routes:` list.
    public var location: SourceLocation?

    public init(path: String, service: String, stripPrefix: Bool, host: String?, location: SourceLocation?) {
        self.path = path
        self.service = service
        self.stripPrefix = stripPrefix
        self.host = host
        self.location = location
    }
}
