import NIOCore

/// A response head written to the client, held back until the body bytes of the same read arrive, so that a small
/// response leaves as one buffer: one `write` system call instead of a `writev` of two, and one entry in NIO's
/// pending writes instead of two. Bodies above `joinLimit` are not copied: the head goes first, the body's slice
/// after it, unchanged. Whatever is held is written before anything else and at the latest by the next flush.
struct HeldHead {
    /// Bodies up to this size are copied after the head (a `memcpy`); larger ones are written as they are.
    static let joinLimit = 4096

    private var head: ByteBuffer?

    var isEmpty: Bool { head == nil }

    /// Holds `newHead`; returns a head held before it (to write first), if any.
    mutating func hold(_ newHead: ByteBuffer) -> ByteBuffer? {
        let earlier = head
        head = newHead
        return earlier
    }

    /// The held head with `bytes` appended when they are at most `joinLimit`, else the head alone and `bytes` to
    /// write after it; nil when no head is held (write `bytes` as they are).
    mutating func join(_ bytes: ByteBuffer) -> (first: ByteBuffer, then: ByteBuffer?)? {
        guard var first = head else { return nil }
        // Released before the append: `first` is then the storage's only reference and grows in place.
        head = nil
        guard bytes.readableBytes <= Self.joinLimit else { return (first, bytes) }
        first.writeImmutableBuffer(bytes)
        return (first, nil)
    }

    /// The held head, which the caller writes now; nothing is held afterwards.
    mutating func take() -> ByteBuffer? {
        let held = head
        head = nil
        return held
    }
}
