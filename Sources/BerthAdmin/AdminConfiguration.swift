/// Where the admin listener binds and the bearer token it requires (nil: none, allowed on loopback only).
public struct AdminConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var token: String?

    public init(host: String, port: Int, token: String? = nil) {
        self.host = host
        self.port = port
        self.token = token
    }
}
