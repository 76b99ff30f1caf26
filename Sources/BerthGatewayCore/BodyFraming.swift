/// How the body after a head is delimited, so the gateway knows where one message ends and the next begins.
public enum BodyFraming: Sendable, Equatable {
    /// No body follows (also for `Content-Length: 0`, 1xx/204/304 responses and responses to HEAD).
    case none
    /// Exactly this many bytes follow (always more than zero).
    case contentLength(Int)
    /// A chunked body follows; walk it with `ChunkedBodyScanner`.
    case chunked
    /// Responses only: the body ends when the upstream closes the connection.
    case untilClose
}
