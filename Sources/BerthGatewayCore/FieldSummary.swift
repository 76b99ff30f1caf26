/// Parses field lines one by one and gathers, on the way, the few fields that decide framing and connection reuse.
struct FieldSummary {
    /// The agreed Content-Length, once one was seen.
    var contentLength: Int?
    var transferEncodingValues: [String] = []
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionUpgrade = false
    var hostCount = 0
    var host: String?
    var expectContinue = false
    var upgrade: String?
    /// Whether obs-text (bytes that are not UTF-8) is accepted and kept opaque: in responses (RFC 9110 §5.5; WSGI
    /// servers send Latin-1). Requests keep refusing it (400): see docs/gateway-framing.md.
    var opaqueObsText = false

    /// `field-name ":" OWS field-value OWS` (RFC 9112 §5): no whitespace before the colon, no obs-fold.
    mutating func field(_ line: UnsafeRawBufferPointer) throws(HTTPFramingError) -> HTTPHeaderField {
        guard let first = line.first, !ASCII.isWhitespace(first) else {
            throw .badRequest("obs-fold or whitespace before a field name")
        }
        var colon = 0
        while colon < line.count, line[colon] != ASCII.colon {
            let byte = line[colon]
            guard ASCII.isTChar(byte) else {
                throw .badRequest(
                    ASCII.isWhitespace(byte) ? "whitespace before colon" : "invalid character in field name"
                )
            }
            colon += 1
        }
        guard colon < line.count else { throw .badRequest("field line without colon") }
        guard colon > 0 else { throw .badRequest("empty field name") }
        var start = colon + 1
        var end = line.count
        while start < end, ASCII.isWhitespace(line[start]) { start += 1 }
        while end > start, ASCII.isWhitespace(line[end - 1]) { end -= 1 }
        for index in start..<end where !ASCII.isFieldValueByte(line[index]) {
            throw .badRequest("control character in field value")
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        let valueBytes = UnsafeRawBufferPointer(rebasing: line[start..<end])
        var field: HTTPHeaderField
        if opaqueObsText {
            let (value, raw) = HeadParser.decodeOpaqueValue(valueBytes)
            field = HTTPHeaderField(
                name: String(decoding: nameBytes, as: UTF8.self), value: value, kind: HTTPFieldKind.of(nameBytes))
            field.rawValue = raw
        } else {
            field = HTTPHeaderField(
                name: String(decoding: nameBytes, as: UTF8.self),
                value: try HeadParser.decodeValue(valueBytes),
                kind: HTTPFieldKind.of(nameBytes)
            )
        }
        try note(field)
        return field
    }

    private mutating func note(_ field: HTTPHeaderField) throws(HTTPFramingError) {
        let value = field.value
        switch field.kind {
        case .host:
            hostCount += 1
            host = value
        case .expect:
            if value.equalsIgnoringASCIICase("100-continue") { expectContinue = true }
        case .upgrade:
            upgrade = upgrade.map { "\($0), \(value)" } ?? value
        case .connection:
            for option in value.split(separator: ",") {
                let option = option.trimmingOWS()
                if option.equalsIgnoringASCIICase("close") {
                    connectionClose = true
                } else if option.equalsIgnoringASCIICase("keep-alive") {
                    connectionKeepAlive = true
                } else if option.equalsIgnoringASCIICase("upgrade") {
                    connectionUpgrade = true
                }
            }
        case .contentLength:
            try noteContentLength(value)
        case .transferEncoding:
            transferEncodingValues.append(value)
        case .keepAlive, .proxyConnection, .te, .trailer, .xForwardedFor, .xForwardedProto, .xForwardedHost,
            .xRequestID, .forwarded, .xRealIP, .xForwardedPort, .other:
            break
        }
    }

    /// `1*DIGIT`, possibly as a list of identical values ("5, 5"); anything else, or a different value, is 400.
    private mutating func noteContentLength(_ value: String) throws(HTTPFramingError) {
        // Element by element over the bytes: OWS, 1*DIGIT, OWS, then "," or the end.
        var iterator = value.utf8.makeIterator()
        var next = iterator.next()
        while true {
            while let byte = next, ASCII.isWhitespace(byte) { next = iterator.next() }
            var length = 0
            var digits = 0
            while let byte = next, ASCII.isDigit(byte) {
                let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { throw .badRequest("Content-Length too large") }
                length = sum
                digits += 1
                next = iterator.next()
            }
            while let byte = next, ASCII.isWhitespace(byte) { next = iterator.next() }
            if digits == 0, next == nil || next == ASCII.comma { throw .badRequest("empty Content-Length") }
            guard digits > 0, next == nil || next == ASCII.comma else { throw .badRequest("invalid Content-Length") }
            if let previous = contentLength, previous != length {
                throw .badRequest("differing Content-Length values")
            }
            contentLength = length
            guard next != nil else { return }
            next = iterator.next()
        }
    }

    /// The transfer codings in order, lower-cased; an empty element is kept as "" so that callers can refuse it.
    var transferCodings: [Substring] {
        transferEncodingValues.flatMap { value in
            value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingOWS() }
        }
    }
}
