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

    /// The same error found in an upstream's response, for the 502's message and the logs.
    var responseMessage: String {
        switch self {
        case .badRequest(let why): why
        case .headTooLarge: "response head too large"
        case .uriTooLong: "status line too long"
        case .notImplemented(let why): why
        case .versionNotSupported: "an HTTP version other than 1.0 and 1.1"
        }
    }
}
