import BerthGatewayCore

/// Generates request ids: 16 hex digits from a per-loop counter mixed with a random seed, cheap and unique enough
/// to find a request in the logs of the gateway and every service it passed through.
struct RequestIDGenerator {
    private var state: UInt64

    init() {
        state = UInt64.random(in: 1...UInt64.max)
    }

    /// The next id as its value: no `String` until one is needed (see `RequestID`).
    mutating func nextID() -> RequestID {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return .generated(z)
    }
}
