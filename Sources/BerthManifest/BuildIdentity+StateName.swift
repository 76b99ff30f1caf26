extension BuildIdentity {
    /// The name of the build's state files (`STATE_DIR/builds/NAME.fingerprint`): a 64-bit FNV-1a hash (hex) of its
    /// command and workdir. The CLI writes the fingerprint after a build; the daemon reads it to tell that a
    /// service's build output changed (`berth up` / `berth reload` then roll the service).
    public var stateName: String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ text: String) {
            for byte in text.utf8 { mix(byte) }
            mix(0)
        }
        func mix(_ byte: UInt8) {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        for word in command { add(word) }
        add(workdir)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
