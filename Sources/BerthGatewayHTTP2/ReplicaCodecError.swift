import NIOHTTP2

/// Why the replica leg's codec refused what a replica sent or what its windows allow: the HTTP/2 error code for the
/// GOAWAY (a connection's error) or RST_STREAM (a stream's), and a detail for the access log.
struct ReplicaCodecError: Error, Equatable, CustomStringConvertible {
    var code: HTTP2ErrorCode
    /// nil: the connection's error (GOAWAY, then close); else only this stream's (RST_STREAM).
    var streamID: HTTP2StreamID?
    var detail: String

    static func connection(_ code: HTTP2ErrorCode, _ detail: String) -> Self {
        Self(code: code, streamID: nil, detail: detail)
    }

    static func stream(_ id: HTTP2StreamID, _ code: HTTP2ErrorCode, _ detail: String) -> Self {
        Self(code: code, streamID: id, detail: detail)
    }

    var description: String {
        if let streamID { return "stream \(Int(streamID)): \(code.rfcName): \(detail)" }
        return "connection: \(code.rfcName): \(detail)"
    }
}
