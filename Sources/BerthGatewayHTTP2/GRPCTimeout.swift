/// Parses the `grpc-timeout` request header (gRPC over HTTP/2: 1 to 8 digits and a unit H, M, S, m, u or n), so
/// that the gateway gives up a call when its client already has, with DEADLINE_EXCEEDED.
public enum GRPCTimeout {
    /// The duration, or nil when the value is not a valid timeout (the call then has no gateway deadline of its
    /// own; the upstream still sees the header and judges it).
    public static func parse(_ value: String) -> Duration? {
        let utf8 = Array(value.utf8)
        guard utf8.count >= 2, utf8.count <= 9, let unit = utf8.last else { return nil }
        var amount: Int64 = 0
        for byte in utf8.dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        switch unit {
        case UInt8(ascii: "H"): return .seconds(amount * 3600)
        case UInt8(ascii: "M"): return .seconds(amount * 60)
        case UInt8(ascii: "S"): return .seconds(amount)
        case UInt8(ascii: "m"): return .milliseconds(amount)
        case UInt8(ascii: "u"): return .microseconds(amount)
        case UInt8(ascii: "n"): return .nanoseconds(amount)
        default: return nil
        }
    }
}
