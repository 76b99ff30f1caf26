/// The built-in HTTP gateway: where it listens and which path prefixes go to which service.
public struct GatewaySpec: Sendable, Equatable {
    public var listen: [ListenAddress]
    public var routes: [RouteSpec]
    /// Location of the `gateway:` key.
    public var location: SourceLocation?

    public init(listen: [ListenAddress], routes: [RouteSpec], location: SourceLocation?) {
        self.listen = listen
        self.routes = routes
        self.location = location
    }
}
