import BerthGatewayCore

extension HTTPFramingError {
    /// The message of the gateway's error body.
    var message: String {
        switch self {
        case .badRequest(let why): why
        case .headTooLarge: "request head too large"
        case .uriTooLong: "request line too long"
        case .notImplemented(let why): why
        case .versionNotSupported: "only HTTP/1.0 and HTTP/1.1 are supported"
        }
    }
}
