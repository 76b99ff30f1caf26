extension HeadParser {
    /// `method SP request-target SP HTTP-version`, exactly one SP each (RFC 9112 §3).
    static func requestLine(_ line: UnsafeRawBufferPointer) throws(HTTPFramingError) -> RequestHead {
        var index = 0
        while index < line.count, ASCII.isTChar(line[index]) { index += 1 }
        guard index > 0, index < line.count, line[index] == ASCII.space else {
            throw .badRequest("invalid method")
        }
        let methodBytes = UnsafeRawBufferPointer(rebasing: line[0..<index])
        let method = String(decoding: methodBytes, as: UTF8.self)
        let targetStart = index + 1
        index = targetStart
        while index < line.count, ASCII.isVisible(line[index]) { index += 1 }
        guard index > targetStart, index < line.count, line[index] == ASCII.space else {
            throw .badRequest("invalid request target")
        }
        let target = String(decoding: UnsafeRawBufferPointer(rebasing: line[targetStart..<index]), as: UTF8.self)
        let version = try parseVersion(UnsafeRawBufferPointer(rebasing: line[(index + 1)...]))
        return RequestHead(
            method: method,
            target: target,
            version: version,
            headers: [],
            framing: .none,
            keepAlive: false,
            expectContinue: false,
            upgrade: nil,
            host: nil,
            isIdempotent: RequestHead.isIdempotent(methodBytes)
        )
    }

    /// `HTTP-version SP 3DIGIT SP [reason-phrase]`; a missing reason (with or without its SP) is accepted.
    static func statusLine(_ line: UnsafeRawBufferPointer) throws(HTTPFramingError) -> ResponseHead {
        guard line.count >= 12, line[8] == ASCII.space else { throw .badRequest("invalid status line") }
        let version = try parseVersion(UnsafeRawBufferPointer(rebasing: line[0..<8]))
        var status = 0
        for index in 9..<12 {
            guard ASCII.isDigit(line[index]) else { throw .badRequest("invalid status code") }
            status = status * 10 + Int(line[index] - UInt8(ascii: "0"))
        }
        guard (100...599).contains(status) else { throw .badRequest("invalid status code") }
        var reason = ""
        var rawReason: [UInt8]?
        if line.count > 12 {
            guard line[12] == ASCII.space else { throw .badRequest("invalid status line") }
            let reasonBytes = UnsafeRawBufferPointer(rebasing: line[13...])
            for byte in reasonBytes where !ASCII.isFieldValueByte(byte) {
                throw .badRequest("invalid reason phrase")
            }
            if reasonBytes.count == 2, reasonBytes[0] == UInt8(ascii: "O"), reasonBytes[1] == UInt8(ascii: "K") {
                reason = "OK"  // Nearly every response's: a literal, with nothing to check or decode.
            } else {
                (reason, rawReason) = decodeOpaqueValue(reasonBytes)
            }
        }
        var head = ResponseHead(
            status: status,
            reason: reason,
            version: version,
            headers: [],
            framing: .none,
            keepAlive: false,
            isInformational: status < 200
        )
        head.rawReason = rawReason
        return head
    }

    /// `HTTP/DIGIT.DIGIT`: 1.0 and 1.1 are accepted, other well-formed versions are 505, the rest 400.
    static func parseVersion(_ bytes: UnsafeRawBufferPointer) throws(HTTPFramingError) -> HTTPVersion {
        guard bytes.count == 8,
            bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
            bytes[3] == UInt8(ascii: "P"), bytes[4] == ASCII.slash, ASCII.isDigit(bytes[5]),
            bytes[6] == UInt8(ascii: "."), ASCII.isDigit(bytes[7])
        else {
            throw .badRequest("invalid HTTP version")
        }
        let version = HTTPVersion(major: Int(bytes[5] - UInt8(ascii: "0")), minor: Int(bytes[7] - UInt8(ascii: "0")))
        guard version == .http1_1 || version == .http1_0 else { throw .versionNotSupported }
        return version
    }

    /// A field value or reason phrase as a String; obs-text must be valid UTF-8 so that it serializes back to the
    /// very same bytes.
    static func decodeValue(_ bytes: UnsafeRawBufferPointer) throws(HTTPFramingError) -> String {
        var ascii = true
        for byte in bytes where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        guard let value = String(validating: bytes, as: UTF8.self) else {
            throw .badRequest("field value is not valid UTF-8")
        }
        return value
    }

    /// A response's field value or reason phrase, where obs-text is opaque (RFC 9110 §5.5): valid UTF-8 becomes the
    /// String, anything else is read as Latin-1 and its bytes are kept to be forwarded unchanged.
    static func decodeOpaqueValue(_ bytes: UnsafeRawBufferPointer) -> (value: String, raw: [UInt8]?) {
        if let value = try? decodeValue(bytes) { return (value, nil) }
        var latin1 = ""
        latin1.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return (latin1, Array(bytes))
    }
}
