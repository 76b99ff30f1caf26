/// Rewrites a request head for the upstream per RFC 9110 §7.6 and serializes it.
///
/// The upstream always gets HTTP/1.1 with keep-alive (no Connection field, or `Connection: upgrade` when the client
/// asked for an upgrade); hop-by-hop fields and every field named in Connection are removed (except Host,
/// Content-Length and Transfer-Encoding, which a hostile `Connection: content-length` must not strip); framing is
/// written in one canonical form (`Content-Length: n` or `Transfer-Encoding: chunked`), so the upstream cannot read
/// it differently from the gateway.
///
/// Forwarding fields: from a client that is not trusted (see `AddressBlock`, `trust_forwarded`), `Forwarded`,
/// `X-Real-IP`, `X-Forwarded-Port`, `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` are dropped and
/// the gateway's own X-Forwarded-For (the peer), -Proto and -Host are sent: an upstream never takes a forged
/// client address for the real one. From a trusted peer (a load balancer in front of Berth) they pass, the peer is
/// appended to X-Forwarded-For, and its X-Forwarded-Proto and -Host are kept.
public struct RequestRewrite: Sendable, Equatable {
    /// The client's address, appended to X-Forwarded-For.
    public var clientAddress: String
    /// `http` or `https`: the X-Forwarded-Proto sent upstream (a client's own is replaced).
    public var scheme: String
    /// The X-Request-Id to send, replacing the client's; nil keeps the client's (the caller generates one when the
    /// client sent none: see `RequestHead.requestID`).
    public var requestID: String?
    /// A route prefix to remove from the target (keeping a leading `/` and the query).
    public var stripPrefix: String?
    /// The Host sent for an HTTP/1.0 request that had none (HTTP/1.1 upstreams require one).
    public var fallbackHost: String
    /// The peer is a trusted proxy: its forwarding fields pass (see above).
    public var trustForwarded: Bool

    public init(
        clientAddress: String,
        scheme: String = "http",
        requestID: String? = nil,
        stripPrefix: String? = nil,
        fallbackHost: String = "localhost",
        trustForwarded: Bool = false
    ) {
        self.clientAddress = clientAddress
        self.scheme = scheme
        self.requestID = requestID
        self.stripPrefix = stripPrefix
        self.fallbackHost = fallbackHost
        self.trustForwarded = trustForwarded
    }

    public static func serialize(_ head: RequestHead, rewrite: RequestRewrite, into buffer: inout some HeadSink) {
        buffer.appendHeadString(head.method)
        buffer.appendHeadByte(ASCII.space)
        let target = rewrite.stripPrefix.map { PathPrefix.strip(head.target, prefix: $0) } ?? head.target
        buffer.appendHeadString(target)
        buffer.appendHeadString(" HTTP/1.1\r\n" as StaticString)

        let nominated = HeadWriter.connectionOptions(head.headers)
        let upgrading = head.upgrade != nil
        var forwardedFor: [String] = []
        var keptProto = false
        var keptHost = false
        var keptRequestID = false
        var hadContentLength = false
        for field in head.headers {
            switch field.kind {
            case .host:
                break
            case .upgrade:
                if !upgrading { continue }
            case .contentLength:
                hadContentLength = true
                continue
            case .transferEncoding:
                continue
            case .xForwardedProto, .xForwardedHost:
                // One of each from a trusted proxy (the first), none from anyone else.
                guard rewrite.trustForwarded, !(field.kind == .xForwardedProto ? keptProto : keptHost) else {
                    continue
                }
                if field.kind == .xForwardedProto { keptProto = true } else { keptHost = true }
            case .forwarded, .xRealIP, .xForwardedPort:
                if !rewrite.trustForwarded { continue }
            case .xForwardedFor:
                if rewrite.trustForwarded { forwardedFor.append(field.value) }
                continue
            case .xRequestID:
                if rewrite.requestID != nil || keptRequestID { continue }
                keptRequestID = true
            case .connection, .keepAlive, .proxyConnection, .te, .trailer:
                continue
            case .expect, .other:
                if HeadWriter.isNominated(field, by: nominated) { continue }
            }
            HeadWriter.field(field.name, field.value, into: &buffer)
        }
        if head.host == nil { HeadWriter.safeField("Host", rewrite.fallbackHost, into: &buffer) }
        switch head.framing {
        case .contentLength(let length):
            buffer.appendHeadString("Content-Length: " as StaticString)
            buffer.appendHeadDecimal(length)
            buffer.appendCRLF()
        case .chunked: HeadWriter.field("Transfer-Encoding" as StaticString, "chunked", into: &buffer)
        case .none where hadContentLength: HeadWriter.field("Content-Length" as StaticString, "0", into: &buffer)
        case .none, .untilClose: break
        }
        if forwardedFor.isEmpty {
            HeadWriter.safeField("X-Forwarded-For", rewrite.clientAddress, into: &buffer)
        } else {
            forwardedFor.append(rewrite.clientAddress)
            HeadWriter.safeField("X-Forwarded-For", forwardedFor.joined(separator: ", "), into: &buffer)
        }
        if !keptProto { HeadWriter.safeField("X-Forwarded-Proto", rewrite.scheme, into: &buffer) }
        if !keptHost, let host = head.host { HeadWriter.field("X-Forwarded-Host", host, into: &buffer) }
        if let requestID = rewrite.requestID { HeadWriter.safeField("X-Request-Id", requestID, into: &buffer) }
        if upgrading { HeadWriter.field("Connection" as StaticString, "upgrade", into: &buffer) }
        buffer.appendCRLF()
    }
}
