/// One input file of a build as the fingerprint sees it.
public struct BuildInputFile: Sendable, Equatable {
    /// Relative to the build's workdir; a pattern that names a missing file appears as `missing:PATH`.
    public var path: String
    public var size: Int64
    /// Modification time in nanoseconds since 1970.
    public var modified: Int64

    public init(path: String, size: Int64, modified: Int64) {
        self.path = path
        self.size = size
        self.modified = modified
    }
}

/// A build's fingerprint: a 64-bit FNV-1a hash (hex) of its command, workdir and every input's path, size and
/// modification time. Not a security measure: it only tells "the inputs are the same as at the last good build".
/// `berth up` writes it after a build, and so does berthd after a `watch:` build, so that the next `up` skips it.
public enum BuildFingerprint {
    public static func compute(_ identity: BuildIdentity, files: [BuildInputFile]) -> String {
        var hasher = FNV1a()
        hasher.add("berth-build-1")
        for word in identity.command { hasher.add(word) }
        hasher.add(identity.workdir)
        for file in files.sorted(by: { $0.path < $1.path }) {
            hasher.add(file.path)
            hasher.add(String(file.size))
            hasher.add(String(file.modified))
        }
        return hasher.hex
    }

    /// A short stable name of a build for its state files: the hash of its identity alone.
    public static func name(_ identity: BuildIdentity) -> String {
        var hasher = FNV1a()
        for word in identity.command { hasher.add(word) }
        hasher.add(identity.workdir)
        return hasher.hex
    }

    struct FNV1a {
        private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

        /// Adds `text` and a separator byte, so that ["ab", "c"] and ["a", "bc"] differ.
        mutating func add(_ text: String) {
            for byte in text.utf8 { mix(byte) }
            mix(0)
        }

        private mutating func mix(_ byte: UInt8) {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }

        var hex: String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }
}
