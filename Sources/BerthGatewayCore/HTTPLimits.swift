/// Bounds on what the gateway reads before it has a complete head, so that a hostile peer cannot make it buffer or
/// scan without end.
public struct HTTPLimits: Sendable, Equatable {
    /// The most bytes a head (start line, header fields and the final empty line) may take.
    public var maxHeadBytes = 16 * 1024
    /// The most header fields in a head (and trailer fields after a chunked body).
    public var maxHeaderCount = 100
    /// The most bytes a request line (or a status line) may take, without its CRLF.
    public var maxRequestLineBytes = 8 * 1024

    public init(maxHeadBytes: Int = 16 * 1024, maxHeaderCount: Int = 100, maxRequestLineBytes: Int = 8 * 1024) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxRequestLineBytes = maxRequestLineBytes
    }
}
