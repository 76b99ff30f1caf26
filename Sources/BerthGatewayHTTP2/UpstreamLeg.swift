import NIOHTTP2

/// The replica's side of one call as the `HTTP2StreamProxy` drives it, whichever protocol the replica speaks: an
/// HTTP/2 stream on a multiplexed connection, or an HTTP/1.1 exchange on a pooled keep-alive connection.
protocol UpstreamLeg: AnyObject {
    /// Writes a request frame (HEADERS, DATA, trailers) without flushing.
    func send(_ payload: CallFrame)
    func flush()
    /// Gives the call up (the client left, its deadline passed): resets the stream or closes the connection.
    func cancel()
    /// Reads the replica's response only while the client takes it.
    func setReading(_ on: Bool)
    /// Whether the replica takes more of the request now (else the client is not read).
    var isWritable: Bool { get }
}
