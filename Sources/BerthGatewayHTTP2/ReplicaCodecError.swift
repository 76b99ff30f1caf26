import NIOHTTP2

/// Why the replica leg's codec refused what a replica sent or what its windows allow: the HTTP/2 error code for the
/// GOAWAY (a connection's error) or RST_STREAM (a stream's), and a detail for the access log.
struct ReplicaCodecError: Error, Equatable, CustomStringConvertible {
    var code: HTTP2ErrorCode
    /// nil: the connection's error (GOAWAY, then close); else only this stream's (RST_STREAM).
    var streamID: HTTP2StreamID?
    var detail: String
    /// The stream's HEADERS were read whole but refused (a header list over the limit): the frame opened the
    /// stream, so the stream is reset even if it was idle until then.
    var opensStream = false

    static func connection(_ code: HTTP2ErrorCode, _ detail: String) -> Self {
        Self(code: code, streamID: nil, detail: detail)
    }

    static func stream(_ id: HTTP2StreamID, _ code: HTTP2ErrorCode, _ detail: String) -> Self {
        Self(code: code, streamID: id, detail: detail)
    }

    /// A header block decoded to its end whose list is over SETTINGS_MAX_HEADER_LIST_SIZE: RST_STREAM
    /// ENHANCE_YOUR_CALM, which gRPC clients read as RESOURCE_EXHAUSTED; the connection and its other streams go on.
    static func headerListTooLarge(_ id: HTTP2StreamID, _ detail: String) -> Self {
        Self(code: .enhanceYourCalm, streamID: id, detail: detail, opensStream: true)
    }

    var description: String {
        if let streamID { return "stream \(Int(streamID)): \(code.rfcName): \(detail)" }
        return "connection: \(code.rfcName): \(detail)"
    }
}
