/// Appends head bytes to a buffer: field lines, and caller-provided values with anything that could end a line
/// (CR, LF, NUL and other controls) left out, so that no caller mistake can inject a header.
struct HeadWriter {
    static func field(_ name: String, _ value: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(ASCII.colon)
        buffer.append(ASCII.space)
        buffer.append(contentsOf: value.utf8)
        buffer.append(ASCII.cr)
        buffer.append(ASCII.lf)
    }

    /// A field as received: its raw bytes when it had obs-text, else its value.
    static func field(_ field: HTTPHeaderField, into buffer: inout [UInt8]) {
        guard let raw = field.rawValue else { return self.field(field.name, field.value, into: &buffer) }
        buffer.append(contentsOf: field.name.utf8)
        buffer.append(ASCII.colon)
        buffer.append(ASCII.space)
        buffer.append(contentsOf: raw)
        buffer.append(ASCII.cr)
        buffer.append(ASCII.lf)
    }

    static func safeField(_ name: String, _ value: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(ASCII.colon)
        buffer.append(ASCII.space)
        safe(value, into: &buffer)
        buffer.append(ASCII.cr)
        buffer.append(ASCII.lf)
    }

    static func safe(_ value: String, into buffer: inout [UInt8]) {
        for byte in value.utf8 where ASCII.isFieldValueByte(byte) {
            buffer.append(byte)
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

    /// Whether a Connection field named this field (which then does not pass the proxy).
    @inline(__always)
    static func isNominated(_ field: HTTPHeaderField, by nominated: Set<String>) -> Bool {
        !nominated.isEmpty && nominated.contains(field.name.lowercasedASCII())
    }

    /// Connection options that name fields the rewrites handle by kind ("close" names no field).
    private static let alwaysRemoved: Set<String> = [
        "close", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
    ]
}
