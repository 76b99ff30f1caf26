/// Appends head bytes to a buffer: field lines, and caller-provided values with anything that could end a line
/// (CR, LF, NUL and other controls) left out, so that no caller mistake can inject a header.
struct HeadWriter {
    static func field(_ name: String, _ value: String, into buffer: inout some HeadSink) {
        buffer.appendHeadString(name)
        buffer.appendHeadByte(ASCII.colon)
        buffer.appendHeadByte(ASCII.space)
        buffer.appendHeadString(value)
        buffer.appendCRLF()
    }

    /// A field line of the gateway's own, its value given as a literal.
    static func field(_ name: StaticString, _ value: StaticString, into buffer: inout some HeadSink) {
        buffer.appendHeadString(name)
        buffer.appendHeadByte(ASCII.colon)
        buffer.appendHeadByte(ASCII.space)
        buffer.appendHeadString(value)
        buffer.appendCRLF()
    }

    /// A field line copied from a parsed head's bytes: the name as received, `: `, the value without its OWS.
    static func field(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, into buffer: inout some HeadSink) {
        buffer.appendHeadBytes(name)
        buffer.appendHeadByte(ASCII.colon)
        buffer.appendHeadByte(ASCII.space)
        buffer.appendHeadBytes(value)
        buffer.appendCRLF()
    }

    /// A field as received: its raw bytes when it had obs-text, else its value.
    static func field(_ field: HTTPHeaderField, into buffer: inout some HeadSink) {
        guard let raw = field.rawValue else { return self.field(field.name, field.value, into: &buffer) }
        buffer.appendHeadString(field.name)
        buffer.appendHeadByte(ASCII.colon)
        buffer.appendHeadByte(ASCII.space)
        raw.withUnsafeBytes { buffer.appendHeadBytes($0) }
        buffer.appendCRLF()
    }

    static func safeField(_ name: StaticString, _ value: String, into buffer: inout some HeadSink) {
        buffer.appendHeadString(name)
        buffer.appendHeadByte(ASCII.colon)
        buffer.appendHeadByte(ASCII.space)
        safe(value, into: &buffer)
        buffer.appendCRLF()
    }

    static func safe(_ value: String, into buffer: inout some HeadSink) {
        // Over the contiguous UTF-8 (stepping through `String.UTF8View` cost ~1,000 instructions per value in the
        // profile). Nearly always clean: then one copy; else byte by byte, leaving the unsafe bytes out.
        var value = value
        value.withUTF8 { bytes in
            if bytes.allSatisfy(ASCII.isFieldValueByte) { return buffer.appendHeadBytes(UnsafeRawBufferPointer(bytes)) }
            for byte in bytes where ASCII.isFieldValueByte(byte) {
                buffer.appendHeadByte(byte)
            }
        }
    }

    /// The lower-cased names listed in every Connection field, except those that are hop-by-hop anyway (`close`,
    /// `keep-alive`, `upgrade`, ...): usually none, so that no other field name needs lower-casing.
    static func connectionOptions(_ headers: [HTTPHeaderField]) -> Set<String> {
        var options = Set<String>()
        for field in headers where field.kind == .connection {
            for option in field.value.split(separator: ",") {
                let name = String(option.trimmingOWS()).lowercasedASCII()
                guard !name.isEmpty, !alwaysRemoved.contains(name) else { continue }
                options.insert(name)
            }
        }
        return options
    }

    /// As `connectionOptions(_:)` over field lines; a String is made only for an option that names a field.
    static func connectionOptions(_ lines: [FieldLine], in bytes: UnsafeRawBufferPointer) -> Set<String> {
        var options = Set<String>()
        for line in lines where line.kind == .connection {
            var start = line.value.lowerBound
            while start < line.value.upperBound {
                var end = start
                while end < line.value.upperBound, bytes[end] != ASCII.comma { end += 1 }
                var first = start
                var last = end
                while first < last, ASCII.isWhitespace(bytes[first]) { first += 1 }
                while last > first, ASCII.isWhitespace(bytes[last - 1]) { last -= 1 }
                let option = UnsafeRawBufferPointer(rebasing: bytes[first..<last])
                if !option.isEmpty, !isAlwaysRemoved(option) {
                    options.insert(String(decoding: option.map(ASCII.lower), as: UTF8.self))
                }
                start = end + 1
            }
        }
        return options
    }

    /// Whether a Connection field named this field (which then does not pass the proxy).
    @inline(__always)
    static func isNominated(_ field: HTTPHeaderField, by nominated: Set<String>) -> Bool {
        !nominated.isEmpty && nominated.contains(field.name.lowercasedASCII())
    }

    /// Whether a Connection field named this field, given as bytes.
    @inline(__always)
    static func isNominated(_ name: UnsafeRawBufferPointer, by nominated: Set<String>) -> Bool {
        !nominated.isEmpty && nominated.contains(String(decoding: name.map(ASCII.lower), as: UTF8.self))
    }

    /// Connection options that name fields the rewrites handle by kind ("close" names no field).
    private static let alwaysRemoved: Set<String> = [
        "close", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
    ]

    /// `alwaysRemoved` on bytes (any case), with no String made.
    private static func isAlwaysRemoved(_ option: UnsafeRawBufferPointer) -> Bool {
        ASCII.equalsIgnoringCase(option, "close") || ASCII.equalsIgnoringCase(option, "connection")
            || ASCII.equalsIgnoringCase(option, "keep-alive") || ASCII.equalsIgnoringCase(option, "proxy-connection")
            || ASCII.equalsIgnoringCase(option, "te") || ASCII.equalsIgnoringCase(option, "trailer")
            || ASCII.equalsIgnoringCase(option, "upgrade")
    }
}
