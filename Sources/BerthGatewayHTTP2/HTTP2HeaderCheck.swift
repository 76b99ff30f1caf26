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
    static func problem(_ headers: HTTP2Fields, _ kind: Kind) -> String? {
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

    /// Reads the block's octets in place. A name the static table has (`HTTP2Fields.Field.staticName`, which the
    /// decoder knows for every name it took from a table) is a lowercase token already and is told apart by its
    /// index; only other names are read octet by octet.
    static func inspect(_ headers: HTTP2Fields, _ kind: Kind) -> Inspection {
        headers.withBytes { bytes in inspect(headers.fields, bytes, kind) }
    }

    private static func inspect(
        _ fields: HTTP2Fields.FieldList, _ bytes: UnsafeBufferPointer<UInt8>, _ kind: Kind
    ) -> Inspection {
        var result = Inspection()
        var seen: Pseudo = []
        var regular = false
        var isConnect = false
        for field in fields {
            let name = UnsafeBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.valueStart)])
            let value = UnsafeBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)])
            guard let first = name.first else { return .refused("an empty field name") }
            if first == UInt8(ascii: ":") {
                guard !regular else { return .refused("pseudo-header field \(text(name)) after a regular field") }
                guard let pseudo = Pseudo(staticName: field.staticName) else {
                    return .refused("unknown pseudo-header field \(text(name))")
                }
                guard !seen.contains(pseudo) else { return .refused("pseudo-header field \(text(name)) twice") }
                seen.insert(pseudo)
                guard isPseudoValue(value) else { return .refused("a control byte or space in \(text(name))") }
                switch pseudo {
                case .method:
                    isConnect = HTTP2FieldName.equals(UnsafeRawBufferPointer(value), "CONNECT")
                    result.pseudoValue = pseudoText(field.staticName, value)
                case .status: result.pseudoValue = pseudoText(field.staticName, value)
                case .path where value.isEmpty: return .refused("an empty :path")
                default: break
                }
                continue
            }
            regular = true
            switch field.staticName {
            case 0:
                guard isToken(name) else { return .refused("field name \(text(name)) is not a lowercase token") }
                if let reason = connectionSpecific(name, value, kind) { return .refused(reason) }
            case 28: result.contentLength.add(value)
            case 57: return .refused("connection-specific field transfer-encoding")
            default: break
            }
            guard isFieldValue(value) else { return .refused("NUL, CR or LF in the value of \(text(name))") }
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

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A `:method` or `:status` value as text: the static table's literal when it is one (`GET`, `POST`, `200`...),
    /// so that the usual request and response make no `String`.
    private static func pseudoText(_ staticName: UInt8, _ value: UnsafeBufferPointer<UInt8>) -> String {
        guard let index = HTTP2FieldName.fullMatch(staticName, UnsafeRawBufferPointer(value)) else {
            return text(value)
        }
        return HPACKStaticTable.fields[Int(index)].value
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

        /// By the name's static index: every pseudo-header field HTTP/2 defines is in the static table (RFC 7541
        /// Appendix A), so a name starting with `:` that is not there is unknown.
        init?(staticName: UInt8) {
            switch staticName {
            case 1: self = .authority
            case 2: self = .method
            case 4: self = .path
            case 6: self = .scheme
            case 8: self = .status
            default: return nil
            }
        }
    }

    /// A connection-specific field (RFC 9113 § 8.2.2) the static table does not have (`transfer-encoding` it has),
    /// or `te` other than `trailers` in a request; names are told apart by their length first.
    private static func connectionSpecific(
        _ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>, _ kind: Kind
    ) -> String? {
        let name = UnsafeRawBufferPointer(name)
        switch name.count {
        case 2:
            guard HTTP2FieldName.equals(name, "te"), kind == .request,
                !HTTP2FieldName.equals(UnsafeRawBufferPointer(value), "trailers")
            else { return nil }
            return "te other than trailers"
        case 7, 10, 16:
            guard
                HTTP2FieldName.equals(name, "upgrade") || HTTP2FieldName.equals(name, "connection")
                    || HTTP2FieldName.equals(name, "keep-alive") || HTTP2FieldName.equals(name, "proxy-connection")
            else { return nil }
            return "connection-specific field \(String(decoding: name, as: UTF8.self))"
        default:
            return nil
        }
    }

    /// RFC 9110's `tchar` without uppercase letters (HTTP/2 field names are lowercase).
    static func isToken(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in name {
            switch byte {
            case 0x21, 0x23...0x27, 0x2a, 0x2b, 0x2d, 0x2e, 0x30...0x39, 0x5e...0x7a, 0x7c, 0x7e: continue
            default: return false
            }
        }
        return true
    }

    /// No control byte, space or DEL: a pseudo-header's value becomes an HTTP/1.1 request line's part. Eight bytes
    /// at a time while every byte is printable ASCII (the usual value), then byte by byte.
    static func isPseudoValue(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = printableEnd(value, below: 0x2121_2121_2121_2121)
        while index < value.count {
            let byte = value[index]
            if byte <= 0x20 || byte == 0x7f { return false }
            index += 1
        }
        return true
    }

    /// No NUL, CR or LF (RFC 9113 § 8.2.1): they would split a field when written as HTTP/1.1. Eight bytes at a time
    /// while every byte is printable ASCII or a space (the usual value), then byte by byte.
    static func isFieldValue(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = printableEnd(value, below: 0x2020_2020_2020_2020)
        while index < value.count {
            let byte = value[index]
            if byte == 0 || byte == 0x0a || byte == 0x0d { return false }
            index += 1
        }
        return true
    }

    /// Where the words (eight bytes each) whose bytes are all at least the one repeated in `below` and under 0x7F
    /// end: the rest is for the caller's byte loop.
    @inline(__always)
    private static func printableEnd(_ bytes: UnsafeBufferPointer<UInt8>, below: UInt64) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while index + 8 <= bytes.count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            // A byte under `below` (the borrow sets its high bit), DEL (0x7F, zero after the XOR) or from 0x80.
            let low = (word &- below) & ~word
            let delete = word ^ 0x7F7F_7F7F_7F7F_7F7F
            let deleteFlags = (delete &- 0x0101_0101_0101_0101) & ~delete
            guard (low | deleteFlags | word) & 0x8080_8080_8080_8080 == 0 else { return index }
            index += 8
        }
        return index
    }
}
