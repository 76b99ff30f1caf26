import Glibc

/// The last few Huffman-coded strings a connection's decoder decoded, by their codes. A peer that does not use the
/// dynamic table for its responses sends the same coded literals every time: nginx its `server` and `content-type`,
/// and its `date` for a second at a time. Decoding them cost ~1.25k of the ~40k instructions per request in
/// bench/h2-profile.sh; found here, a string costs a comparison and a copy. A miss costs a copy into a slot.
///
/// Its slots are one buffer, made when the connection's first coded string arrives (a connection that sends none
/// holds nothing); strings longer than `maxEncoded` are not kept.
struct HPACKHuffmanMemo {
    static let slots = 4
    static let maxEncoded = 48
    static let maxDecoded = HPACKHuffman.maxDecodedCount(maxEncoded)
    /// A slot: the code's length, the decoded length, the code, the decoded octets.
    private static let slotSize = 2 + maxEncoded + maxDecoded

    private var storage: [UInt8] = []
    /// The slot the next miss fills (round robin).
    private var next = 0

    /// The decoded octets of `encoded` if a slot holds them, passed to `body`.
    func lookup<Result>(_ encoded: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Result) -> Result? {
        let count = encoded.count
        guard count > 0, count <= Self.maxEncoded, !storage.isEmpty, let source = encoded.baseAddress else {
            return nil
        }
        return storage.withUnsafeBytes { slots in
            for slot in 0..<Self.slots {
                let base = slot * Self.slotSize
                guard Int(slots[base]) == count,
                    memcmp(slots.baseAddress! + base + 2, source, count) == 0
                else { continue }
                let decoded = base + 2 + Self.maxEncoded
                return body(UnsafeRawBufferPointer(rebasing: slots[decoded..<decoded + Int(slots[base + 1])]))
            }
            return nil
        }
    }

    /// Keeps `decoded` as what `encoded` decodes to (over the oldest slot).
    mutating func remember(_ encoded: UnsafeRawBufferPointer, decoded: UnsafeRawBufferPointer) {
        guard encoded.count > 0, encoded.count <= Self.maxEncoded, decoded.count <= Self.maxDecoded else { return }
        if storage.isEmpty { storage = [UInt8](repeating: 0, count: Self.slots * Self.slotSize) }
        let base = next * Self.slotSize
        next = (next + 1) % Self.slots
        storage.withUnsafeMutableBytes { slots in
            slots[base] = UInt8(encoded.count)
            slots[base + 1] = UInt8(decoded.count)
            UnsafeMutableRawBufferPointer(rebasing: slots[(base + 2)...]).copyMemory(from: encoded)
            UnsafeMutableRawBufferPointer(rebasing: slots[(base + 2 + Self.maxEncoded)...]).copyMemory(from: decoded)
        }
    }
}
