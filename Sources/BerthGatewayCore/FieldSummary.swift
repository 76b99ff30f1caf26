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
        let parsed = try fieldLine(line, in: line)
        return Self.materialize(parsed, in: line, opaqueObsText: opaqueObsText)
    }

    /// As `field(_:)`, where `line` lies inside `bytes`: the field's place in `bytes`, with no String made (except
    /// for the rare fields whose value the summary keeps: Host, Upgrade, Transfer-Encoding).
    mutating func fieldLine(
        _ line: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer
    ) throws(HTTPFramingError) -> FieldLine {
        guard let first = line.first, !ASCII.isWhitespace(first) else {
            throw .badRequest("obs-fold or whitespace before a field name")
        }
        var colon = 0
        while colon < line.count, line[colon] != ASCII.colon {
            let byte = line[colon]
            guard ASCII.isTCharFast(byte) else {
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
        var ascii = true
        var index = start
        while index < end {
            index = ASCII.plainTextEnd(line, from: index, to: end)
            guard index < end else { break }
            let byte = line[index]
            if !ASCII.isFieldValueByte(byte) { throw .badRequest("control character in field value") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        let valueBytes = UnsafeRawBufferPointer(rebasing: line[start..<end])
        if !ascii && !opaqueObsText {
            _ = try HeadParser.decodeValue(valueBytes)  // Requests: obs-text must be UTF-8.
        }
        let kind = HTTPFieldKind.of(nameBytes)
        try note(kind, valueBytes)
        let offset = bytes.baseAddress.map { line.baseAddress! - $0 } ?? 0
        return FieldLine(kind: kind, name: offset..<(offset + colon), value: (offset + start)..<(offset + end))
    }

    /// The field a line holds, with its name and value as Strings (see `HTTPHeaderField`).
    static func materialize(
        _ line: FieldLine, in bytes: UnsafeRawBufferPointer, opaqueObsText: Bool
    ) -> HTTPHeaderField {
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[line.name]), as: UTF8.self)
        let valueBytes = UnsafeRawBufferPointer(rebasing: bytes[line.value])
        guard opaqueObsText else {
            // Checked to be UTF-8 by `fieldLine`.
            return HTTPHeaderField(name: name, value: String(decoding: valueBytes, as: UTF8.self), kind: line.kind)
        }
        let (value, raw) = HeadParser.decodeOpaqueValue(valueBytes)
        var field = HTTPHeaderField(name: name, value: value, kind: line.kind)
        field.rawValue = raw
        return field
    }

    /// A value the summary keeps, as `materialize` would decode it.
    private func text(_ value: UnsafeRawBufferPointer) -> String {
        opaqueObsText ? HeadParser.decodeOpaqueValue(value).value : String(decoding: value, as: UTF8.self)
    }

    private mutating func note(_ kind: HTTPFieldKind, _ value: UnsafeRawBufferPointer) throws(HTTPFramingError) {
        switch kind {
        case .host:
            hostCount += 1
            host = text(value)
        case .expect:
            if ASCII.equalsIgnoringCase(value, "100-continue") { expectContinue = true }
        case .upgrade:
            let value = text(value)
            upgrade = upgrade.map { "\($0), \(value)" } ?? value
        case .connection:
            var start = 0
            while start < value.count {
                var end = start
                while end < value.count, value[end] != ASCII.comma { end += 1 }
                var first = start
                var last = end
                while first < last, ASCII.isWhitespace(value[first]) { first += 1 }
                while last > first, ASCII.isWhitespace(value[last - 1]) { last -= 1 }
                let option = UnsafeRawBufferPointer(rebasing: value[first..<last])
                if ASCII.equalsIgnoringCase(option, "close") {
                    connectionClose = true
                } else if ASCII.equalsIgnoringCase(option, "keep-alive") {
                    connectionKeepAlive = true
                } else if ASCII.equalsIgnoringCase(option, "upgrade") {
                    connectionUpgrade = true
                }
                start = end + 1
            }
        case .contentLength:
            try noteContentLength(value)
        case .transferEncoding:
            transferEncodingValues.append(text(value))
        case .keepAlive, .proxyConnection, .te, .trailer, .xForwardedFor, .xForwardedProto, .xForwardedHost,
            .xRequestID, .forwarded, .clientAddress, .xForwardedPort, .forwardingLookalike, .other:
            break
        }
    }

    /// `1*DIGIT`, possibly as a list of identical values ("5, 5"); anything else, or a different value, is 400.
    private mutating func noteContentLength(_ value: UnsafeRawBufferPointer) throws(HTTPFramingError) {
        // Element by element over the bytes: OWS, 1*DIGIT, OWS, then "," or the end.
        var iterator = value.makeIterator()
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
