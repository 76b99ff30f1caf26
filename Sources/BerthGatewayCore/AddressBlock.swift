/// An IPv4 or IPv6 address block (`10.0.0.0/8`, `2001:db8::/32`, or one address), for `trust_forwarded`: the peers
/// whose forwarding fields (X-Forwarded-For and friends) the gateway believes.
///
/// Addresses are kept as 16 bytes, IPv4 as IPv4-mapped IPv6 (`::ffff:a.b.c.d`), so that a peer reported either way
/// by the socket matches the same IPv4 block. Parsed by hand: this module imports no C library.
public struct AddressBlock: Sendable, Hashable, CustomStringConvertible {
    public let address: [UInt8]
    /// Leading bits that must match, out of 128.
    public let prefixLength: Int
    public let description: String

    /// Parses `ADDRESS` or `ADDRESS/BITS`; nil when malformed, or when the bits exceed the address's length.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.parseAddress(parts[0]) else { return nil }
        let isV4 = !parts[0].contains(":")
        let width = isV4 ? 32 : 128
        var bits = width
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].utf8.allSatisfy(ASCII.isDigit),
                let value = Int(parts[1]), value <= width
            else { return nil }
            bits = value
        }
        self.prefixLength = bits + (isV4 ? 96 : 0)
        self.address = Self.masked(address, bits: prefixLength)
        self.description = text
    }

    /// Whether `peer` (an address as the socket reports it, IPv4 or IPv6) is in the block.
    public func contains(_ peer: String) -> Bool {
        guard let bytes = Self.parseAddress(Substring(peer)) else { return false }
        return Self.masked(bytes, bits: prefixLength) == address
    }

    /// Whether the address is in any of `blocks`.
    public static func any(_ blocks: [AddressBlock], contains peer: String) -> Bool {
        guard !blocks.isEmpty, let bytes = parseAddress(Substring(peer)) else { return false }
        return blocks.contains { masked(bytes, bits: $0.prefixLength) == $0.address }
    }

    static func masked(_ bytes: [UInt8], bits: Int) -> [UInt8] {
        var result = bytes
        for index in 0..<16 {
            let keep = min(8, max(0, bits - index * 8))
            result[index] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        return result
    }

    /// 16 bytes for an IPv4 (mapped) or IPv6 address; nil when malformed.
    static func parseAddress(_ text: Substring) -> [UInt8]? {
        if !text.contains(":") {
            guard let v4 = parseIPv4(text) else { return nil }
            return [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + v4
        }
        return parseIPv6(text)
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy(ASCII.isDigit),
                let value = Int(part), value <= 255
            else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    /// RFC 4291 §2.2 text forms: eight groups, one `::`, an IPv4 tail.
    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowV4Tail: Bool) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (offset, piece) in pieces.enumerated() {
                if allowV4Tail, offset == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    bytes += v4
                    continue
                }
                guard (1...4).contains(piece.utf8.count) else { return nil }
                var value = 0
                for byte in piece.utf8 {
                    guard let digit = ASCII.hexValue(byte) else { return nil }
                    value = value << 4 | digit
                }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        if halves.count == 1 {
            guard let bytes = groups(halves[0], allowV4Tail: true), bytes.count == 16 else { return nil }
            return bytes
        }
        guard let head = groups(halves[0], allowV4Tail: false),
            let tail = groups(halves[1], allowV4Tail: true), head.count + tail.count <= 14
        else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}
