/// Why a message was refused; each case maps to the status the gateway answers the client with.
///
/// The cases describe a request. When a *response* from an upstream fails to parse, the gateway answers 502 whatever
/// the case (`HTTPFramingError.status` is the status for a request).
public enum HTTPFramingError: Error, Equatable, Sendable {
    /// 400: malformed start line or field line, obs-fold, bare CR or LF, NUL, Content-Length with
    /// Transfer-Encoding, differing or invalid Content-Length, bad chunk framing, missing or duplicate Host.
    case badRequest(String)
    /// 431 for a request head (502 for a response head): more than `HTTPLimits` allows.
    case headTooLarge
    /// 414: the request line is longer than `HTTPLimits.maxRequestLineBytes`.
    case uriTooLong
    /// 501: a Transfer-Encoding other than exactly `chunked`, or a method the gateway cannot forward (CONNECT).
    case notImplemented(String)
    /// 505: a version other than HTTP/1.0 or HTTP/1.1.
    case versionNotSupported

    /// The status for the client when a request fails with this error.
    public var status: Int {
        switch self {
        case .badRequest: 400
        case .headTooLarge: 431
        case .uriTooLong: 414
        case .notImplemented: 501
        case .versionNotSupported: 505
        }
    }
}
