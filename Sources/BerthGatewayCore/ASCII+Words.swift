/// Byte-class tests a word (eight bytes) at a time, for the loops that check every byte of a head: most bytes are
/// plain, and testing them one by one was several thousand instructions per proxied request in the profile. Each
/// returns the first byte the caller's own per-byte loop must decide, so that errors and their order stay those of
/// that loop.
extension ASCII {
    /// The first index in `start..<end` whose byte is not plain field-value text (a control, DEL or a byte from
    /// 0x80 up: the caller decides tabs, obs-text and errors), or `end`.
    @inline(__always)
    static func plainTextEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var index = start
        while index + 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            // The lowest flagged byte of each test is exact (a borrow only runs upwards from a flagged byte).
            let control = (word &- 0x2020_2020_2020_2020) & ~word
            let delete = ~(word ^ 0x7F7F_7F7F_7F7F_7F7F)
            let deleteFlags = ((word ^ 0x7F7F_7F7F_7F7F_7F7F) &- 0x0101_0101_0101_0101) & delete
            let flags = (control | deleteFlags | word) & 0x8080_8080_8080_8080
            if flags != 0 { return index + flags.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < end {
            let byte = bytes[index]
            if byte < 0x20 || byte >= 0x7F { return index }
            index += 1
        }
        return end
    }

    /// The index of the first CR in `start..<end`, which must hold one (a head checked by `scanHead`: every line
    /// ends in CRLF).
    @inline(__always)
    static func firstCR(_ bytes: UnsafeRawBufferPointer, from start: Int, before end: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            while index + 8 <= end {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let crs = word ^ 0x0D0D_0D0D_0D0D_0D0D
                let flags = (crs &- 0x0101_0101_0101_0101) & ~crs & 0x8080_8080_8080_8080
                if flags != 0 { return index + flags.trailingZeroBitCount >> 3 }
                index += 8
            }
        }
        while bytes[index] != cr { index += 1 }
        return index
    }

    /// A Host byte (`HeadParser.isHostByte`) by a table of bits: the switch was ~12 instructions per byte of every
    /// request's Host.
    @inline(__always)
    static func isHostByteFast(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x2FFF_7FF2_0000_0000
        let high: UInt64 = 0x47FF_FFFE_AFFF_FFFE
        let mask = byte < 64 ? low : high
        return byte < 128 && (mask >> UInt64(byte & 63)) & 1 == 1
    }

    /// tchar by a table of bits (the switch in `isTChar` was a chain of compares per byte).
    @inline(__always)
    static func isTCharFast(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6CFA_0000_0000
        let high: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        let mask = byte < 64 ? low : high
        return byte < 128 && (mask >> UInt64(byte & 63)) & 1 == 1
    }
}
