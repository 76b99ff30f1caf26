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

    /// The lower-cased names listed in every Connection field.
    static func connectionOptions(_ headers: [HTTPHeaderField]) -> Set<String> {
        var options = Set<String>()
        for field in headers where field.name.lowercasedASCII() == "connection" {
            for option in field.value.split(separator: ",") {
                let name = String(option.trimmingOWS()).lowercasedASCII()
                if !name.isEmpty { options.insert(name) }
            }
        }
        return options
    }

    /// Hop-by-hop fields of RFC 9110 §7.6.1 that never pass a proxy (Upgrade is decided by the caller).
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer"]
}
