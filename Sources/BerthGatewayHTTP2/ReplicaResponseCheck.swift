/// What a replica's HTTP/2 response frames may be before the gateway passes them on, checked once for every kind of
/// client (HTTP/2, and HTTP/1.1 through the bridge). Found by the outside audit (audit8): an h2c replica answering
/// `:status 101` (or a 103, or nothing) and then DATA crashed berthd (the bridge wrote an HTTP/1.1 body without a
/// response head, which NIOHTTP1 traps on), so did DATA before any head and a second HEADERS without END_STREAM; and
/// `:status 99`, `1000` or `abc` reached HTTP/1.1 clients as `HTTP/1.1 99` or as a 502 carrying the replica's body.
enum ReplicaResponseCheck {
    /// How the gateway treats a response HEADERS frame that comes before the final response head.
    enum Head: Equatable {
        /// A 1xx other than 101, not ending the stream: passed on, the final head still to come.
        case informational
        /// The final response head, its status 200-599.
        case final(Int)
        /// Not a response (RFC 9113 §8.1.1 calls it malformed): the replica is at fault, the client gets 502.
        case invalid(String)
    }

    /// The response head's verdict from its `:status` value(s) (RFC 9110 §15: three digits, 100-599; RFC 9113
    /// §8.3.2: exactly one; §8.6: no 101 in HTTP/2; §8.1: a 1xx never ends the stream).
    static func head(status: String?, repeated: Bool, endStream: Bool) -> Head {
        guard let status else { return .invalid("no :status") }
        if repeated { return .invalid("more than one :status") }
        // Read in place: an array of the digits was an allocation per response.
        var code = 0
        var digits = 0
        for byte in status.utf8 {
            guard digits < 3, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                digits = 0
                break
            }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        guard digits == 3, (100...599).contains(code) else {
            return .invalid(":status \(String(status.prefix(16)).debugDescription) is not a status code")
        }
        if code == 101 { return .invalid(":status 101, which HTTP/2 does not allow") }
        if code < 200 {
            return endStream ? .invalid("an interim \(code) response that ends the stream") : .informational
        }
        return .final(code)
    }
}
