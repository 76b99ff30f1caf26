/// Where the admin listener binds and the bearer token it requires (nil: none, allowed on loopback only).
public struct AdminConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var token: String?
    /// Connections open at once (dashboard streams included); more are closed at accept.
    public var maxConnections: Int

    public init(host: String, port: Int, token: String? = nil, maxConnections: Int = 256) {
        self.host = host
        self.port = port
        self.token = token
        self.maxConnections = maxConnections
    }
}
