/// Names of the fields a client may not set for a replica (the forwarding fields and `X-Request-Id`), also when
/// spelled with `_` for `-`.
///
/// CGI-style servers (WSGI, PHP, Rack, Go's CGI) turn every request field name into a variable by upper-casing it and
/// replacing `-` with `_`, so `X_Forwarded_For: 6.6.6.6` and the gateway's `X-Forwarded-For` become one
/// `HTTP_X_FORWARDED_FOR`, the client's value first (Python's wsgiref joins them `6.6.6.6,127.0.0.1`): an
/// application reading the leftmost address would take the forged one. nginx drops every field with `_` in its name
/// by default for this reason; the gateway drops only these lookalikes, so other names with `_` still pass.
public enum ForwardingFieldName {
    /// Fields that carry the client's address alone, as proxies and CDNs set them (nginx's `X-Real-IP`,
    /// Cloudflare's `CF-Connecting-IP`, Akamai's `True-Client-IP`, Fastly's, PHP's `Client-IP`...), lowercased.
    /// Applications read them before `X-Forwarded-For` (node's request-ip takes `X-Client-IP` first, many PHP
    /// snippets `HTTP_CLIENT_IP`), so a client may set none of them unless its peer is in `trust_forwarded`, as
    /// for `X-Real-IP`: before the outside audit audit7, all but `X-Real-IP` passed, and `X-Client-IP: 6.6.6.6`
    /// was the address such an application logged and rate-limited.
    public static let clientAddressNames: [StaticString] = [
        "x-real-ip", "client-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip", "fastly-client-ip",
        "x-cluster-client-ip", "x-originating-ip", "x-forwarded", "forwarded-for", "x-remote-ip", "x-remote-addr",
    ]

    /// The names, lowercased, with `-`.
    static let names: [StaticString] =
        [
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded",
            "x-request-id",
        ] + clientAddressNames

    /// Whether `name` (any case) is one of `clientAddressNames`.
    public static func isClientAddress(_ name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 9, 11, 13, 14, 16, 19: break
        default: return false
        }
        for candidate in clientAddressNames where candidate.utf8CodeUnitCount == name.count {
            if ASCII.equalsIgnoringCase(name, candidate) { return true }
        }
        return false
    }

    /// As above, for a name given as a string (HTTP/2 field names).
    public static func isClientAddress(_ name: String) -> Bool {
        switch name.utf8.count {
        case 9, 11, 13, 14, 16, 19: break
        default: return false
        }
        var name = name
        return name.withUTF8 { isClientAddress(UnsafeRawBufferPointer($0)) }
    }

    /// Whether `name` (any case) holds a `_` and is one of `names` once every `_` is read as `-`.
    public static func isLookalike(_ name: UnsafeRawBufferPointer) -> Bool {
        guard name.count >= 9, name.count <= 19, name.contains(UInt8(ascii: "_")) else { return false }
        for candidate in names where candidate.utf8CodeUnitCount == name.count {
            let expected = candidate.utf8Start
            var same = true
            for index in 0..<name.count {
                let byte = name[index] == UInt8(ascii: "_") ? UInt8(ascii: "-") : ASCII.lower(name[index])
                if byte != expected[index] {
                    same = false
                    break
                }
            }
            if same { return true }
        }
        return false
    }

    /// As above, for a name given as a string (HTTP/2 field names).
    public static func isLookalike(_ name: String) -> Bool {
        guard name.utf8.contains(UInt8(ascii: "_")) else { return false }
        var name = name
        return name.withUTF8 { isLookalike(UnsafeRawBufferPointer($0)) }
    }
}
