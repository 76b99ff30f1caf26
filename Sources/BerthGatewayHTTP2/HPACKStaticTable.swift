/// RFC 7541 Appendix A's static table, index 1 first (`fields[0]` is a placeholder so the RFC's indices apply), and
/// the same as octets (`entries`) for the decoder, which copies them into a block's `HTTP2Fields`.
enum HPACKStaticTable {
    static let count = 61

    /// Entry `index`'s octets in `octets`: the name from `start`, the value from `nameEnd` to `end`; `staticName` the
    /// first index with the same name (`:method POST` is 3, its name's index 2).
    struct Entry {
        var start: Int
        var nameEnd: Int
        var end: Int
        var staticName: UInt8
        /// RFC 7541 § 4.1: octets plus 32.
        var size: Int { end - start + 32 }
    }

    static let octets: [UInt8] = fields.flatMap { Array($0.name.utf8) + Array($0.value.utf8) }
    static let entries: [Entry] = {
        var entries: [Entry] = []
        var at = 0
        for (index, field) in fields.enumerated() {
            let nameEnd = at + field.name.utf8.count
            let end = nameEnd + field.value.utf8.count
            let first = fields.firstIndex { $0.name == field.name } ?? index
            entries.append(Entry(start: at, nameEnd: nameEnd, end: end, staticName: UInt8(index == 0 ? 0 : first)))
            at = end
        }
        return entries
    }()
    static let fields: [(name: String, value: String)] = [
        ("", ""),  // index 0 is not a field
        (":authority", ""),
        (":method", "GET"),
        (":method", "POST"),
        (":path", "/"),
        (":path", "/index.html"),
        (":scheme", "http"),
        (":scheme", "https"),
        (":status", "200"),
        (":status", "204"),
        (":status", "206"),
        (":status", "304"),
        (":status", "400"),
        (":status", "404"),
        (":status", "500"),
        ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"),
        ("accept-language", ""),
        ("accept-ranges", ""),
        ("accept", ""),
        ("access-control-allow-origin", ""),
        ("age", ""),
        ("allow", ""),
        ("authorization", ""),
        ("cache-control", ""),
        ("content-disposition", ""),
        ("content-encoding", ""),
        ("content-language", ""),
        ("content-length", ""),
        ("content-location", ""),
        ("content-range", ""),
        ("content-type", ""),
        ("cookie", ""),
        ("date", ""),
        ("etag", ""),
        ("expect", ""),
        ("expires", ""),
        ("from", ""),
        ("host", ""),
        ("if-match", ""),
        ("if-modified-since", ""),
        ("if-none-match", ""),
        ("if-range", ""),
        ("if-unmodified-since", ""),
        ("last-modified", ""),
        ("link", ""),
        ("location", ""),
        ("max-forwards", ""),
        ("proxy-authenticate", ""),
        ("proxy-authorization", ""),
        ("range", ""),
        ("referer", ""),
        ("refresh", ""),
        ("retry-after", ""),
        ("server", ""),
        ("set-cookie", ""),
        ("strict-transport-security", ""),
        ("transfer-encoding", ""),
        ("user-agent", ""),
        ("vary", ""),
        ("via", ""),
        ("www-authenticate", ""),
    ]
}
