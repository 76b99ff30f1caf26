/// A parsed request head: what the gateway needs to route, frame and rewrite a request, while the bytes of the body
/// are forwarded untouched.
public struct RequestHead: Sendable, Equatable {
    public var method: String
    /// The request target in origin-form (`/path?query`), or `*` for `OPTIONS *`. An absolute-form target
    /// (`http://host/path`) is reduced to origin-form and its authority becomes `host`, as RFC 9112 §3.2.2 asks.
    public var target: String
    public var version: HTTPVersion
    public var headers: [HTTPHeaderField]
    public var framing: BodyFraming
    /// Whether the client connection stays open after this exchange: HTTP/1.1 unless `Connection: close`,
    /// HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request.
    public var expectContinue: Bool
    /// The Upgrade header value when `Connection` contains `upgrade` (HTTP/1.1 only), e.g. `websocket`.
    public var upgrade: String?
    /// The single Host header value (with its port, if any); HTTP/1.1 requires exactly one.
    public var host: String?
    /// GET, HEAD, PUT, DELETE, OPTIONS and TRACE: safe to replay on another replica.
    public var isIdempotent: Bool

    public init(
        method: String,
        target: String,
        version: HTTPVersion,
        headers: [HTTPHeaderField],
        framing: BodyFraming,
        keepAlive: Bool,
        expectContinue: Bool,
        upgrade: String?,
        host: String?,
        isIdempotent: Bool
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectContinue = expectContinue
        self.upgrade = upgrade
        self.host = host
        self.isIdempotent = isIdempotent
    }

    /// The first X-Request-Id the client sent, if any.
    public var requestID: String? { headers.first(.xRequestID) }

    static let idempotentMethods: Set<String> = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]

    /// Whether the method (its bytes; methods are case-sensitive) is one of `idempotentMethods`, without hashing.
    static func isIdempotent(_ method: UnsafeRawBufferPointer) -> Bool {
        func equals(_ name: StaticString) -> Bool {
            guard method.count == name.utf8CodeUnitCount else { return false }
            for index in 0..<method.count where method[index] != name.utf8Start[index] { return false }
            return true
        }
        switch method.count {
        case 3: return equals("GET") || equals("PUT")
        case 4: return equals("HEAD")
        case 5: return equals("TRACE")
        case 6: return equals("DELETE")
        case 7: return equals("OPTIONS")
        default: return false
        }
    }
}
