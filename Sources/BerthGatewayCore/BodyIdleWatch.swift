/// Notices a client that started a request body and stopped sending it while its replica waits: `body_timeout`
/// ends such a request (408, a gRPC call `DEADLINE_EXCEEDED`), the try not judged. Without it, a client that sent a
/// head (an HTTP/2 call's HEADERS) and then nothing held a replica's worker until the route's `timeout`, 60 s by
/// default: 100 such calls per connection emptied a grpcio replica's thread pool (outside audits audit8 and
/// audit9). nginx's `client_body_timeout` and Apache's mod_reqtimeout (`body=20`) bound the same wait.
///
/// Pure, and cheap on the hot path: the owner counts each piece of body it reads (`arrived`, no clock read), starts
/// the watch when it reads the body (the replica's leg is open and takes bytes) and stops it when it stops reading
/// for its own reasons (the replica's send buffer is full: backpressure is not the client's silence), when the
/// body ended, or when the replica answered. Its sweep asks `expired` a few times a second; a piece that arrived
/// since the last look restarts the clock at that look, so the watch errs towards the client by at most a sweep
/// period. Times are monotonic nanoseconds.
public struct BodyIdleWatch: Sendable, Equatable {
    /// Since when no piece was seen; nil while not watching.
    public private(set) var quietSince: Int64?
    private var pieces: UInt32 = 0
    private var piecesSeen: UInt32 = 0

    public init() {}

    /// Whether the client's body is being watched.
    public var isWatching: Bool { quietSince != nil }

    /// A piece of the body arrived (an HTTP/2 DATA frame or trailers, an HTTP/1.1 read).
    public mutating func arrived() {
        pieces &+= 1
    }

    /// The gateway reads the client's body from now on; a watch already running keeps its clock.
    public mutating func start(now: Int64) {
        guard quietSince == nil else { return }
        quietSince = now
        piecesSeen = pieces
    }

    /// The gateway no longer waits for the client: the body ended, the replica answered, or the gateway itself
    /// stopped reading (backpressure).
    public mutating func stop() {
        quietSince = nil
    }

    /// Whether the client sent nothing for `timeout` nanoseconds while watched.
    public mutating func expired(now: Int64, timeout: Int64) -> Bool {
        guard let since = quietSince else { return false }
        if pieces != piecesSeen {
            piecesSeen = pieces
            quietSince = now
            return false
        }
        return now - since >= timeout
    }
}
