/// A request target (`/path?query`) split into percent-decoded path segments and query parameters.
///
/// Internal to the decoder: it rejects what a control client never sends (fragments, absolute URLs, bad escapes,
/// repeated parameters) instead of guessing.
struct RequestTarget {
    var segments: [String]
    var query: [(name: String, value: String)]

    init(parsing target: String) throws(ControlAPIError) {
        let bytes = Array(target.utf8)
        guard bytes.first == UInt8(ascii: "/") else {
            throw .badRequest("the request target must be an absolute path starting with '/'")
        }
        if bytes.contains(UInt8(ascii: "#")) {
            throw .badRequest("the request target must not contain a fragment ('#')")
        }
        let pathBytes: ArraySlice<UInt8>
        let queryBytes: ArraySlice<UInt8>?
        if let mark = bytes.firstIndex(of: UInt8(ascii: "?")) {
            pathBytes = bytes[..<mark]
            queryBytes = bytes[(mark + 1)...]
        } else {
            pathBytes = bytes[...]
            queryBytes = nil
        }
        // Split before decoding so that an escaped '/' (%2F) stays inside its segment.
        var segments: [String] = []
        for raw in pathBytes.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            segments.append(try Self.percentDecode(raw, plusIsSpace: false, what: "path"))
        }
        self.segments = segments
        self.query = []
        guard let queryBytes else { return }
        var seen: Set<String> = []
        for pair in queryBytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name: String
            let value: String
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                name = try Self.percentDecode(pair[..<equals], plusIsSpace: true, what: "query parameter name")
                value = try Self.percentDecode(
                    pair[(equals + 1)...],
                    plusIsSpace: true,
                    what: "query parameter '\(name)'"
                )
            } else {
                name = try Self.percentDecode(pair, plusIsSpace: true, what: "query parameter name")
                value = ""
            }
            guard seen.insert(name).inserted else {
                throw .badRequest("query parameter '\(name)' is given more than once")
            }
            self.query.append((name, value))
        }
    }

    /// Decodes `%XX` escapes (and `+` as a space in queries); the result must be valid UTF-8.
    static func percentDecode(
        _ raw: ArraySlice<UInt8>,
        plusIsSpace: Bool,
        what: String
    ) throws(ControlAPIError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < raw.endIndex,
                    let high = hexValue(raw[index + 1]), let low = hexValue(raw[index + 2])
                else {
                    throw .badRequest("invalid percent-escape in the \(what)")
                }
                out.append(high << 4 | low)
                index += 3
            } else if byte == UInt8(ascii: "+") && plusIsSpace {
                out.append(UInt8(ascii: " "))
                index += 1
            } else {
                out.append(byte)
                index += 1
            }
        }
        guard let string = String(validating: out, as: UTF8.self) else {
            throw .badRequest("the \(what) is not valid UTF-8")
        }
        return string
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
