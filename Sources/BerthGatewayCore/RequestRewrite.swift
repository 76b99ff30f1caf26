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
    public var requestID: RequestID?
    /// A route prefix to remove from the target (keeping a leading `/` and the query).
    public var stripPrefix: String?
    /// The Host sent for an HTTP/1.0 request that had none (HTTP/1.1 upstreams require one).
    public var fallbackHost: String
    /// The peer is a trusted proxy: its forwarding fields pass (see above).
    public var trustForwarded: Bool
    /// The target to send instead of the head's (the route's, already stripped): set by the gateway, which keeps
    /// the head as received for its access log, so that the head is not copied to change one field.
    public var target: String?

    public init(
        clientAddress: String,
        scheme: String = "http",
        requestID: RequestID? = nil,
        stripPrefix: String? = nil,
        fallbackHost: String = "localhost",
        trustForwarded: Bool = false,
        target: String? = nil
    ) {
        self.clientAddress = clientAddress
        self.scheme = scheme
        self.requestID = requestID
        self.stripPrefix = stripPrefix
        self.fallbackHost = fallbackHost
        self.trustForwarded = trustForwarded
        self.target = target
    }

    public static func serialize(_ head: RequestHead, rewrite: RequestRewrite, into buffer: inout some HeadSink) {
        requestLine(head, rewrite: rewrite, into: &buffer)
        let nominated = HeadWriter.connectionOptions(head.headers)
        var kept = Kept()
        for field in head.headers {
            guard kept.keeps(field.kind, head: head, rewrite: rewrite) else {
                if field.kind == .xForwardedFor, rewrite.trustForwarded { kept.forwardedFor.append(field.value) }
                continue
            }
            if field.kind == .expect || field.kind == .other, HeadWriter.isNominated(field, by: nominated) { continue }
            HeadWriter.field(field.name, field.value, into: &buffer)
        }
        if head.host == nil { HeadWriter.safeField("Host", rewrite.fallbackHost, into: &buffer) }
        end(head, rewrite: rewrite, kept: kept, into: &buffer)
    }

    /// As `serialize`, from the field lines of `HeadParser.parseRequest(_:limits:progress:lines:)` and the bytes they
    /// were parsed from: every kept line is copied as bytes (the same bytes `serialize` writes), with no String per
    /// field (the parse into strings and their re-serialization cost ~9,000 instructions per request).
    public static func write(
        _ head: RequestHead,
        lines: [FieldLine],
        in bytes: UnsafeRawBufferPointer,
        rewrite: RequestRewrite,
        into buffer: inout some HeadSink
    ) {
        requestLine(head, rewrite: rewrite, into: &buffer)
        let nominated = HeadWriter.connectionOptions(lines, in: bytes)
        var kept = Kept()
        var wroteHost = false
        for line in lines {
            let value = UnsafeRawBufferPointer(rebasing: bytes[line.value])
            guard kept.keeps(line.kind, head: head, rewrite: rewrite) else {
                if line.kind == .xForwardedFor, rewrite.trustForwarded {
                    kept.forwardedFor.append(String(decoding: value, as: UTF8.self))
                }
                continue
            }
            let name = UnsafeRawBufferPointer(rebasing: bytes[line.name])
            if line.kind == .expect || line.kind == .other, HeadWriter.isNominated(name, by: nominated) { continue }
            if line.kind == .host, let host = head.host {
                // An absolute-form target's authority replaces the field's value (RFC 9112 §3.2.2): `head.host`,
                // which is the field's own value otherwise.
                buffer.appendHeadBytes(name)
                buffer.appendHeadString(": " as StaticString)
                buffer.appendHeadString(host)
                buffer.appendCRLF()
                wroteHost = true
                continue
            }
            HeadWriter.field(name: name, value: value, into: &buffer)
        }
        if let host = head.host {
            // An absolute-form HTTP/1.0 request without a Host field (the String path appends one to its fields).
            if !wroteHost { HeadWriter.field("Host", host, into: &buffer) }
        } else {
            HeadWriter.safeField("Host", rewrite.fallbackHost, into: &buffer)
        }
        end(head, rewrite: rewrite, kept: kept, into: &buffer)
    }

    /// What the field loop of either path found and kept: the forwarding fields the end of the head depends on.
    private struct Kept {
        var forwardedFor: [String] = []
        var proto = false
        var host = false
        var requestID = false
        var hadContentLength = false

        /// Whether a field of this kind passes (hop-by-hop, framing and forwarding fields are the gateway's own);
        /// fields named in Connection are checked by the caller.
        mutating func keeps(_ kind: HTTPFieldKind, head: RequestHead, rewrite: RequestRewrite) -> Bool {
            switch kind {
            case .host:
                return true
            case .upgrade:
                return head.upgrade != nil
            case .contentLength:
                hadContentLength = true
                return false
            case .transferEncoding:
                return false
            case .xForwardedProto, .xForwardedHost:
                // One of each from a trusted proxy (the first), none from anyone else.
                guard rewrite.trustForwarded, !(kind == .xForwardedProto ? proto : host) else { return false }
                if kind == .xForwardedProto { proto = true } else { host = true }
                return true
            case .forwarded, .clientAddress, .xForwardedPort:
                return rewrite.trustForwarded
            case .xForwardedFor:
                return false  // Collected by the caller from a trusted proxy, written once at the end.
            case .xRequestID:
                if rewrite.requestID != nil || requestID { return false }
                requestID = true
                return true
            case .connection, .keepAlive, .proxyConnection, .te, .trailer, .forwardingLookalike:
                return false
            case .expect, .other:
                return true
            }
        }
    }

    private static func requestLine(_ head: RequestHead, rewrite: RequestRewrite, into buffer: inout some HeadSink) {
        buffer.appendHeadString(head.method)
        buffer.appendHeadByte(ASCII.space)
        let target =
            rewrite.target ?? rewrite.stripPrefix.map { PathPrefix.strip(head.target, prefix: $0) } ?? head.target
        buffer.appendHeadString(target)
        buffer.appendHeadString(" HTTP/1.1\r\n" as StaticString)
    }

    /// Framing in canonical form, the forwarding fields, the request id and the upgrade, then the empty line.
    private static func end(
        _ head: RequestHead, rewrite: RequestRewrite, kept: Kept, into buffer: inout some HeadSink
    ) {
        switch head.framing {
        case .contentLength(let length):
            buffer.appendHeadString("Content-Length: " as StaticString)
            buffer.appendHeadDecimal(length)
            buffer.appendCRLF()
        case .chunked: HeadWriter.field("Transfer-Encoding" as StaticString, "chunked", into: &buffer)
        case .none where kept.hadContentLength:
            HeadWriter.field("Content-Length" as StaticString, "0", into: &buffer)
        case .none, .untilClose: break
        }
        if kept.forwardedFor.isEmpty {
            HeadWriter.safeField("X-Forwarded-For", rewrite.clientAddress, into: &buffer)
        } else {
            HeadWriter.safeField(
                "X-Forwarded-For", (kept.forwardedFor + [rewrite.clientAddress]).joined(separator: ", "),
                into: &buffer)
        }
        if !kept.proto { HeadWriter.safeField("X-Forwarded-Proto", rewrite.scheme, into: &buffer) }
        if !kept.host, let host = head.host { HeadWriter.field("X-Forwarded-Host", host, into: &buffer) }
        if let requestID = rewrite.requestID { HeadWriter.requestIDField(requestID, into: &buffer) }
        if head.upgrade != nil { HeadWriter.field("Connection" as StaticString, "upgrade", into: &buffer) }
        buffer.appendCRLF()
    }
}
