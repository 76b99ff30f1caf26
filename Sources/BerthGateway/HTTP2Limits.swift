/// The configurable limits of HTTP/2 client connections (`gateway: { http2: ... }`), as the daemon hands them to the
/// gateway; `GatewayLoop+HTTP2` turns them into the HTTP/2 side's settings.
public struct HTTP2Limits: Sendable, Equatable {
    public var maxConcurrentStreams = 100
    /// nil: the gateway's `max_header_bytes`.
    public var maxHeaderListSize: Int?
    public var headerTableSize = 4096
    public var initialWindow = 65_535
    public var maxResets = 200
    public var resetWindow = Duration.seconds(30)

    public init() {}
}
