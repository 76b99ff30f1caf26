/// Tells a cleartext HTTP/2 connection with prior knowledge (RFC 9113 §3.3) from an HTTP/1.1 one by its first
/// bytes, so that both are served on one port: gRPC clients on an insecure channel send the preface at once.
public enum HTTP2Preface {
    public static let bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    public enum Verdict: Equatable, Sendable {
        /// The bytes so far are a prefix of the preface: wait for more.
        case undecided
        case http2
        case http1
    }

    /// The verdict on the first bytes a client sent (all of them so far).
    public static func classify<Bytes: Collection<UInt8>>(_ received: Bytes) -> Verdict {
        var index = bytes.startIndex
        for byte in received {
            guard index < bytes.endIndex else { return .http2 }
            guard byte == bytes[index] else { return .http1 }
            index += 1
        }
        return index == bytes.endIndex ? .http2 : .undecided
    }
}
