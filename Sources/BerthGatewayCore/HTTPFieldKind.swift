/// The header fields the gateway treats specially, recognized once when a field is parsed so that rewriting a head
/// compares enum cases instead of lower-casing every field name of every request and response (which was a sixth
/// of the gateway's instructions per request in the profile; BENCHMARKS.md).
public enum HTTPFieldKind: Sendable, Equatable {
    case host, contentLength, transferEncoding, connection, upgrade, expect
    /// Hop-by-hop fields of RFC 9110 §7.6.1 other than Connection and Upgrade.
    case keepAlive, proxyConnection, te, trailer
    case xForwardedFor, xForwardedProto, xForwardedHost, xRequestID
    /// Other forwarding fields a client could forge: dropped unless the peer is trusted (`trust_forwarded`).
    /// `clientAddress` is `X-Real-IP` and the other fields naming the client's address alone
    /// (`ForwardingFieldName.clientAddressNames`: `X-Client-IP`, `True-Client-IP`, `CF-Connecting-IP`...).
    case forwarded, clientAddress, xForwardedPort
    /// A forwarding field or `X-Request-Id` spelled with `_` for `-` (`X_Forwarded_For`): always dropped. CGI-style
    /// servers (WSGI, PHP, Rack) read both spellings as one variable, `HTTP_X_FORWARDED_FOR`, with the client's
    /// first, so a forged address would sit leftmost beside the gateway's own (found by the outside audit, audit6).
    case forwardingLookalike
    case other

    /// The kind of a field name given as raw bytes (any case).
    static func of(_ name: UnsafeRawBufferPointer) -> HTTPFieldKind {
        switch name.count {
        case 2 where ASCII.equalsIgnoringCase(name, "te"): .te
        case 4 where ASCII.equalsIgnoringCase(name, "host"): .host
        case 6 where ASCII.equalsIgnoringCase(name, "expect"): .expect
        case 7 where ASCII.equalsIgnoringCase(name, "upgrade"): .upgrade
        case 7 where ASCII.equalsIgnoringCase(name, "trailer"): .trailer
        case 9 where ASCII.equalsIgnoringCase(name, "forwarded"): .forwarded
        case 10 where ASCII.equalsIgnoringCase(name, "connection"): .connection
        case 10 where ASCII.equalsIgnoringCase(name, "keep-alive"): .keepAlive
        case 12 where ASCII.equalsIgnoringCase(name, "x-request-id"): .xRequestID
        case 14 where ASCII.equalsIgnoringCase(name, "content-length"): .contentLength
        case 15 where ASCII.equalsIgnoringCase(name, "x-forwarded-for"): .xForwardedFor
        case 16 where ASCII.equalsIgnoringCase(name, "proxy-connection"): .proxyConnection
        case 16 where ASCII.equalsIgnoringCase(name, "x-forwarded-host"): .xForwardedHost
        case 16 where ASCII.equalsIgnoringCase(name, "x-forwarded-port"): .xForwardedPort
        case 17 where ASCII.equalsIgnoringCase(name, "transfer-encoding"): .transferEncoding
        case 17 where ASCII.equalsIgnoringCase(name, "x-forwarded-proto"): .xForwardedProto
        default:
            ForwardingFieldName.isClientAddress(name)
                ? .clientAddress : ForwardingFieldName.isLookalike(name) ? .forwardingLookalike : .other
        }
    }

    /// The kind of a field name given as a string (any case).
    static func of(_ name: String) -> HTTPFieldKind {
        var name = name
        return name.withUTF8 { of(UnsafeRawBufferPointer($0)) }
    }

    /// Hop-by-hop fields that never pass a proxy (Upgrade is decided by the caller).
    var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .proxyConnection, .te, .trailer: true
        default: false
        }
    }
}
