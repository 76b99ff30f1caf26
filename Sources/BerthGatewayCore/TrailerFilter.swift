/// Which trailer fields pass the gateway: RFC 9110 §6.5.1 forbids in trailers the fields needed to frame, route,
/// authenticate or process a message, and a recipient that merges trailers into the header section (many do) would
/// let such a trailer override a header field the gateway checked or set. Those are dropped; others pass unchanged.
public enum TrailerFilter {
    /// Lower-case names of the fields dropped from trailers.
    public static let forbidden = Set<String>([
        // Framing and connection management.
        "transfer-encoding", "content-length", "trailer", "te", "connection", "keep-alive", "proxy-connection",
        "upgrade",
        // Routing and what the gateway sets itself.
        "host", "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
        "x-request-id",
        // Authentication and cookies.
        "authorization", "proxy-authorization", "www-authenticate", "proxy-authenticate", "authentication-info",
        "proxy-authentication-info", "cookie", "set-cookie",
        // Request modifiers: controls and conditionals.
        "cache-control", "expect", "max-forwards", "pragma", "range", "if-match", "if-none-match",
        "if-modified-since", "if-unmodified-since", "if-range",
        // Response control data and content metadata.
        "age", "expires", "date", "location", "retry-after", "vary", "warning", "content-type", "content-encoding",
        "content-range", "content-location", "content-language",
    ]).union(ForwardingFieldName.clientAddressNames.map(\.description))

    /// Whether a trailer field named `name` (any case: an HTTP/2 replica's block reaches the HTTP/1.1 bridge
    /// unchecked) is forwarded.
    public static func allows(name: String) -> Bool {
        let hasUpper = name.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        return !forbidden.contains(hasUpper ? name.lowercased() : name)
    }

    /// Whether a trailer field line (`name: value`, already validated, without CRLF) is forwarded.
    public static func allows(line: [UInt8]) -> Bool {
        let name = line.prefix { $0 != ASCII.colon }.map(ASCII.lower)
        return !forbidden.contains(String(decoding: name, as: UTF8.self))
    }
}
