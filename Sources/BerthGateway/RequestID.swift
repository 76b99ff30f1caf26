/// Generates request ids: 16 hex digits from a per-loop counter mixed with a random seed, cheap and unique enough
/// to find a request in the logs of the gateway and every service it passed through.
struct RequestIDGenerator {
    private var state: UInt64

    init() {
        state = UInt64.random(in: 1...UInt64.max)
    }

    mutating func next() -> String {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        // Written digit by digit into the string's own storage: one allocation, no intermediate strings.
        return String(unsafeUninitializedCapacity: 16) { buffer in
            for position in 0..<16 {
                let nibble = UInt8(truncatingIfNeeded: z >> UInt64(60 - 4 * position)) & 0xF
                buffer[position] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            return 16
        }
    }
}
