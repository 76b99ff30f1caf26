/// A parsed response head from an upstream: enough to know where the response ends and whether the upstream
/// connection can be reused.
public struct ResponseHead: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var version: HTTPVersion
    public var headers: [HTTPHeaderField]
    public var framing: BodyFraming
    /// Whether the upstream connection can carry another request after this response.
    public var keepAlive: Bool
    /// A 1xx response: another head follows for the same request (except after 101, which switches protocols).
    public var isInformational: Bool
    /// The Content-Length the response stated (its fields agreed), even where it frames no body (HEAD, 304).
    public var contentLength: Int?
    /// The reason phrase's bytes when they are not UTF-8 (see `HTTPHeaderField.rawValue`), forwarded unchanged.
    public var rawReason: [UInt8]?

    public init(
        status: Int,
        reason: String,
        version: HTTPVersion,
        headers: [HTTPHeaderField],
        framing: BodyFraming,
        keepAlive: Bool,
        isInformational: Bool
    ) {
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        self.isInformational = isInformational
    }

    /// 101 Switching Protocols: after this head both connections become an opaque tunnel.
    public var switchesProtocols: Bool { status == 101 }
}
