/// A zone read from a TZif file of the system's tz database (RFC 8536): its transitions, and the POSIX TZ rule of its
/// footer for instants after the last one.
///
/// berthd links only FoundationEssentials, whose `TimeZone` knows names only through ICU (FoundationInternationalization
/// and its zone data: megabytes of a static binary and of memory, issue 16). A schedule needs nothing but the UTC
/// offset at an instant, which `/usr/share/zoneinfo` answers directly.
public struct TZifZone: UTCOffsets, Equatable {
    /// Transition instants (epoch seconds), ascending.
    let transitions: [Int64]
    /// The UTC offset in effect from each transition on.
    let offsets: [Int]
    /// The offset before the first transition (time type 0).
    let initialOffset: Int
    /// The footer's rule, for instants after the last transition (nil: the last offset stays).
    let rule: PosixTimeZoneRule?

    /// Parses the bytes of a TZif file (version 1, 2, 3 or 4); nil when they are not one.
    public init?(bytes: [UInt8]) {
        var reader = TZifReader(bytes: bytes)
        guard let first = reader.header() else { return nil }
        var header = first
        var wide = false
        if first.version >= 2 {
            // Version 2+: skip the 32-bit block, read the 64-bit one that follows it.
            guard reader.skip(first.blockLength(timeSize: 4)), let second = reader.header() else { return nil }
            header = second
            wide = true
        }
        let timeSize = wide ? 8 : 4
        var transitions: [Int64] = []
        for _ in 0..<header.timeCount {
            guard let time = reader.integer(size: timeSize) else { return nil }
            transitions.append(time)
        }
        var typeIndexes: [Int] = []
        for _ in 0..<header.timeCount {
            guard let index = reader.integer(size: 1) else { return nil }
            typeIndexes.append(Int(index))
        }
        var typeOffsets: [Int] = []
        for _ in 0..<header.typeCount {
            guard let offset = reader.integer(size: 4), reader.skip(2) else { return nil }
            typeOffsets.append(Int(Int32(truncatingIfNeeded: offset)))
        }
        guard !typeOffsets.isEmpty, typeIndexes.allSatisfy({ $0 < typeOffsets.count }) else { return nil }
        let rest = header.charCount + header.leapCount * (timeSize + 4) + header.standardCount + header.utcCount
        guard reader.skip(rest) else { return nil }
        self.transitions = transitions
        offsets = typeIndexes.map { typeOffsets[$0] }
        initialOffset = typeOffsets[0]
        rule = wide ? reader.footer().flatMap { PosixTimeZoneRule($0) } : nil
    }

    public func secondsFromGMT(atEpochSeconds seconds: Int64) -> Int {
        guard let firstTransition = transitions.first, seconds >= firstTransition else {
            // Before any transition, or a zone without any (a fixed offset, or one given only by its rule).
            if transitions.isEmpty, let rule { return rule.secondsFromGMT(atEpochSeconds: seconds) }
            return initialOffset
        }
        if seconds >= transitions[transitions.count - 1], let rule {
            return rule.secondsFromGMT(atEpochSeconds: seconds)
        }
        // The last transition at or before `seconds`.
        var low = 0
        var high = transitions.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if transitions[middle] <= seconds { low = middle } else { high = middle - 1 }
        }
        return offsets[low]
    }
}

/// The counts of a TZif header and a cursor over the file's bytes (big-endian integers).
private struct TZifReader {
    struct Header {
        var version: Int
        var utcCount: Int
        var standardCount: Int
        var leapCount: Int
        var timeCount: Int
        var typeCount: Int
        var charCount: Int

        func blockLength(timeSize: Int) -> Int {
            timeCount * timeSize + timeCount + typeCount * 6 + charCount + leapCount * (timeSize + 4) + standardCount
                + utcCount
        }
    }

    let bytes: [UInt8]
    var offset = 0

    mutating func header() -> Header? {
        guard offset + 44 <= bytes.count, Array(bytes[offset..<offset + 4]) == Array("TZif".utf8) else { return nil }
        let versionByte = bytes[offset + 4]
        let version = versionByte == 0 ? 1 : Int(versionByte) - Int(UInt8(ascii: "0"))
        offset += 20
        var counts: [Int] = []
        for _ in 0..<6 {
            guard let count = integer(size: 4), count >= 0, count < 1 << 20 else { return nil }
            counts.append(Int(count))
        }
        return Header(
            version: version, utcCount: counts[0], standardCount: counts[1], leapCount: counts[2],
            timeCount: counts[3], typeCount: counts[4], charCount: counts[5])
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, offset + count <= bytes.count else { return false }
        offset += count
        return true
    }

    /// A signed big-endian integer of `size` bytes (1: unsigned).
    mutating func integer(size: Int) -> Int64? {
        guard offset + size <= bytes.count else { return nil }
        var value: UInt64 = 0
        for byte in bytes[offset..<offset + size] { value = value << 8 | UInt64(byte) }
        offset += size
        if size == 1 { return Int64(value) }
        let shift = UInt64(64 - size * 8)
        return Int64(bitPattern: value << shift) >> Int64(shift)
    }

    /// The text between the newlines that end a version 2+ file.
    func footer() -> String? {
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\n") else { return nil }
        let rest = bytes[(offset + 1)...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let text = String(decoding: rest[..<end], as: UTF8.self)
        return text.isEmpty ? nil : text
    }
}
