import NIOHPACK

/// RFC 9113 § 8.2 and § 8.3 checks of a header block on the client's connection: the same rules NIOHTTP2's
/// validation applies (and the same outcome: a malformed block is that stream's error, never the connection's), run
/// by the gateway so that NIOHTTP2's own pass can be switched off there (`HTTP2GatewaySettings.ownHeaderCheck`).
/// NIO's pass builds a `Substring` per field and compares each regular field's name with five strings; this one reads
/// each name and value once, as raw bytes (bench/h2-profile.sh: NIO's request and response checks were ~22k of the
/// ~210k instructions a request cost in h2perf4's profile).
///
/// What a block must be: field names are non-empty lowercase tokens; pseudo-header fields (`:name`) come before every
/// regular field, are known, appear once, and are those the block's kind allows and needs (a request: `:method`,
/// `:scheme`, `:path`, `:authority` optional, a non-empty `:path`; CONNECT: `:method` and `:authority` only; a response:
/// `:status`; trailers: none); pseudo-header values have no control byte, space or DEL; other values no NUL, CR or LF;
/// no connection-specific field (`connection`, `keep-alive`, `proxy-connection`, `transfer-encoding`, `upgrade`); in a
/// request, `te` only as `trailers`. Extended CONNECT (`:protocol`, RFC 8441) is refused: the gateway does not offer
/// SETTINGS_ENABLE_CONNECT_PROTOCOL.
enum HTTP2HeaderCheck {
    enum Kind: Equatable {
        case request
        /// A response head, informational (1xx) or final.
        case response
        case trailers
    }

    /// Why a block is malformed, or nil when it is well formed.
    static func problem(_ headers: HPACKHeaders, _ kind: Kind) -> String? {
        inspect(headers, kind).problem
    }

    /// What one pass over a block found: its verdict, and the fields the client codec's state reads next (a
    /// request's `:method`, a response's `:status`, the `content-length` fields), so that it does not scan the block
    /// again for each (`first(name:)` compares every name without regard to case: ~4k instructions per request in
    /// bench/h2-profile.sh with the content-length's own pass).
    struct Inspection {
        /// Why the block is malformed; nil when it is well formed.
        var problem: String?
        /// A request's `:method`, a response's `:status` (the first, in a malformed block).
        var pseudoValue: String?
        var contentLength = HTTP2ContentLength.Announced.none

        static func refused(_ problem: String) -> Inspection { Inspection(problem: problem) }
    }

    static func inspect(_ headers: HPACKHeaders, _ kind: Kind) -> Inspection {
        var result = Inspection()
        var seen: Pseudo = []
        var regular = false
        var isConnect = false
        for (name, value, _) in headers {
            let utf8 = name.utf8
            guard let first = utf8.first else { return .refused("an empty field name") }
            if first == UInt8(ascii: ":") {
                guard !regular else { return .refused("pseudo-header field \(name) after a regular field") }
                guard let pseudo = Pseudo(name) else { return .refused("unknown pseudo-header field \(name)") }
                guard !seen.contains(pseudo) else { return .refused("pseudo-header field \(name) twice") }
                seen.insert(pseudo)
                guard isPseudoValue(value) else { return .refused("a control byte or space in \(name)") }
                switch pseudo {
                case .method:
                    isConnect = value == "CONNECT"
                    result.pseudoValue = value
                case .status: result.pseudoValue = value
                case .path where value.utf8.isEmpty: return .refused("an empty :path")
                default: break
                }
                continue
            }
            regular = true
            guard isToken(name) else { return .refused("field name \(name) is not a lowercase token") }
            let count = utf8.count
            if count == 14, name == "content-length" { result.contentLength.add(value) }
            if let reason = connectionSpecific(name, count, value, kind) { return .refused(reason) }
            guard isFieldValue(value) else { return .refused("NUL, CR or LF in the value of \(name)") }
        }
        let (allowed, needed): (Pseudo, Pseudo)
        switch kind {
        case .request where isConnect: (allowed, needed) = ([.method, .authority], [.method, .authority])
        case .request: (allowed, needed) = ([.method, .scheme, .path, .authority], [.method, .scheme, .path])
        case .response: (allowed, needed) = ([.status], [.status])
        case .trailers: (allowed, needed) = ([], [])
        }
        guard allowed.isSuperset(of: seen), seen.isSuperset(of: needed) else {
            return .refused("the pseudo-header fields of a \(kind) are missing or not allowed")
        }
        return result
    }

    /// The pseudo-header fields HTTP/2 defines (`:protocol` is only known in order to name it as refused).
    struct Pseudo: OptionSet {
        var rawValue: UInt8
        static let method = Pseudo(rawValue: 1)
        static let scheme = Pseudo(rawValue: 2)
        static let path = Pseudo(rawValue: 4)
        static let authority = Pseudo(rawValue: 8)
        static let status = Pseudo(rawValue: 16)

        init(rawValue: UInt8) { self.rawValue = rawValue }

        /// Told apart by length first: one compare per pseudo-header field, not up to five.
        init?(_ name: String) {
            switch name.utf8.count {
            case 5 where name == ":path": self = .path
            case 7:
                switch name {
                case ":method": self = .method
                case ":status": self = .status
                case ":scheme": self = .scheme
                default: return nil
                }
            case 10 where name == ":authority": self = .authority
            default: return nil
            }
        }
    }

    /// A connection-specific field (RFC 9113 § 8.2.2), or `te` other than `trailers` in a request; names are told
    /// apart by their length first (most fields have none of these lengths).
    private static func connectionSpecific(_ name: String, _ count: Int, _ value: String, _ kind: Kind) -> String? {
        switch count {
        case 2:
            guard name == "te", kind == .request, value != "trailers" else { return nil }
            return "te other than trailers"
        case 7, 10, 16, 17:
            switch name {
            case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
                return "connection-specific field \(name)"
            default: return nil
            }
        default:
            return nil
        }
    }

    /// RFC 9110's `tchar` without uppercase letters (HTTP/2 field names are lowercase).
    static func isToken(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            for byte in bytes {
                switch byte {
                case 0x21, 0x23...0x27, 0x2a, 0x2b, 0x2d, 0x2e, 0x30...0x39, 0x5e...0x7a, 0x7c, 0x7e: continue
                default: return false
                }
            }
            return true
        }
    }

    /// No control byte, space or DEL: a pseudo-header's value becomes an HTTP/1.1 request line's part.
    static func isPseudoValue(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in !bytes.contains { $0 <= 0x20 || $0 == 0x7f } }
    }

    /// No NUL, CR or LF (RFC 9113 § 8.2.1): they would split a field when written as HTTP/1.1.
    static func isFieldValue(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in !bytes.contains { $0 == 0 || $0 == 0x0a || $0 == 0x0d } }
    }
}
