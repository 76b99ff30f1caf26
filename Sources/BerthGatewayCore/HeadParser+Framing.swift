extension HeadParser {
    /// Request framing, Host and connection options (RFC 9112 §3.2, §6.1, §6.3, §9.3). `materialized`: the head's
    /// `headers` hold its fields (else they are field lines, and an absolute-form target's Host is only `head.host`).
    static func finishRequest(
        _ head: inout RequestHead, fields: FieldSummary, materialized: Bool = true
    ) throws(HTTPFramingError) {
        if head.method == "CONNECT" { throw .notImplemented("CONNECT") }
        try normalizeTarget(&head)
        try RequestTargetCheck.checkPath(head.target)
        if fields.hostCount > 1 { throw .badRequest("duplicate Host") }
        if fields.hostCount == 0 && head.version == .http1_1 { throw .badRequest("missing Host") }
        if let host = fields.host {
            guard isValidHost(host) else { throw .badRequest("invalid Host") }
            if head.host == nil { head.host = host }
        }
        if materialized, let authority = head.host, fields.host != authority {
            // Absolute-form: the target's authority wins and replaces the Host field (RFC 9112 §3.2.2); an HTTP/1.0
            // request may have had none, so the head always carries the Host it is forwarded with.
            if fields.host == nil {
                head.headers.append(HTTPHeaderField(name: "Host", value: authority))
            }
            for index in head.headers.indices where head.headers[index].kind == .host {
                head.headers[index].value = authority
            }
        }
        if !fields.transferEncodingValues.isEmpty {
            if head.version == .http1_0 { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            if fields.contentLength != nil { throw .badRequest("both Content-Length and Transfer-Encoding") }
            let codings = fields.transferCodings
            if codings.allSatisfy(\.isEmpty) { throw .badRequest("empty Transfer-Encoding") }
            guard codings.count == 1, String(codings[0]).lowercasedASCII() == "chunked" else {
                throw .notImplemented("Transfer-Encoding other than chunked")
            }
            head.framing = .chunked
        } else if let length = fields.contentLength, length > 0 {
            head.framing = .contentLength(length)
        } else {
            head.framing = .none
        }
        let isHTTP11 = head.version == .http1_1
        head.keepAlive = isHTTP11 ? !fields.connectionClose : fields.connectionKeepAlive && !fields.connectionClose
        head.expectContinue = isHTTP11 && fields.expectContinue
        head.upgrade = isHTTP11 && fields.connectionUpgrade && !offersH2C(fields.upgrade) ? fields.upgrade : nil
    }

    /// An upgrade to cleartext HTTP/2 is not passed on (audit1): a replica that accepts it would take every later
    /// request on the tunnel past the gateway's routes and checks ("h2c smuggling"). The gateway speaks HTTP/2 to
    /// clients itself; the request goes on as plain HTTP/1.1 (its `Upgrade` dropped as hop-by-hop).
    public static func offersH2C(_ upgrade: String?) -> Bool {
        guard let upgrade else { return false }
        return upgrade.split(separator: ",").contains { token in
            let name = token.split(separator: "/", maxSplits: 1).first ?? ""
            return Substring(name).trimmingOWS().equalsIgnoringASCIICase("h2c")
        }
    }

    /// Response framing in the order of RFC 9112 §6.3.
    static func finishResponse(
        _ head: inout ResponseHead,
        fields: FieldSummary,
        requestMethod: String
    ) throws(HTTPFramingError) {
        if !fields.transferEncodingValues.isEmpty {
            if head.version == .http1_0 { throw .badRequest("Transfer-Encoding in an HTTP/1.0 response") }
            if fields.contentLength != nil { throw .badRequest("both Content-Length and Transfer-Encoding") }
            let codings = fields.transferCodings.map { String($0).lowercasedASCII() }
            if codings.contains("") { throw .badRequest("empty transfer coding") }
            let chunkedCount = codings.count { $0 == "chunked" }
            if chunkedCount == 1 && codings.last == "chunked" {
                head.framing = .chunked
            } else if chunkedCount == 0 {
                head.framing = .untilClose
            } else {
                throw .notImplemented("chunked applied twice or not last")
            }
        } else if let length = fields.contentLength {
            head.framing = length > 0 ? .contentLength(length) : .none
        } else {
            head.framing = .untilClose
        }
        head.contentLength = fields.contentLength
        if requestMethod == "HEAD" || head.status < 200 || head.status == 204 || head.status == 304 {
            head.framing = .none
        }
        let persistent =
            head.version == .http1_1
            ? !fields.connectionClose : fields.connectionKeepAlive && !fields.connectionClose
        head.keepAlive = persistent && head.framing != .untilClose
    }

    /// Accepts origin-form and `OPTIONS *`; reduces absolute-form to origin-form, its authority to `head.host`.
    private static func normalizeTarget(_ head: inout RequestHead) throws(HTTPFramingError) {
        let utf8 = head.target.utf8
        if utf8.first == ASCII.slash { return }
        if head.target == "*" {
            guard head.method == "OPTIONS" else { throw .badRequest("asterisk-form target") }
            return
        }
        guard let schemeEnd = head.target.firstRange(of: "://") else { throw .badRequest("invalid request target") }
        let scheme = String(head.target[..<schemeEnd.lowerBound]).lowercasedASCII()
        guard scheme == "http" || scheme == "https" else { throw .badRequest("unsupported target scheme") }
        let rest = head.target[schemeEnd.upperBound...]
        let authorityEnd =
            rest.utf8.firstIndex { $0 == ASCII.slash || $0 == ASCII.question || $0 == UInt8(ascii: "#") }
            ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, isValidHost(authority.utf8) else { throw .badRequest("invalid target authority") }
        let path = rest[authorityEnd...]
        head.host = String(authority)
        head.target = path.utf8.first == ASCII.slash ? String(path) : "/" + path
    }

    /// As `isValidHost(_:)` over a String's contiguous UTF-8 (stepping through `String.UTF8View` cost ~45
    /// instructions per byte, ~700 per request, in the profile).
    public static func isValidHost(_ host: String) -> Bool {
        var host = host
        return host.withUTF8 { isValidHost($0) }
    }

    /// uri-host [":" port]: unreserved, pct-encoded, sub-delims, ":" and the brackets of an IP literal.
    static func isValidHost(_ utf8: some Collection<UInt8>) -> Bool {
        utf8.allSatisfy(ASCII.isHostByteFast)
    }

    /// A byte `isValidHost` accepts, by a chain of compares (`ASCII.isHostByteFast` is the same by a table of bits).
    static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
            true
        default:
            false
        }
    }
}
