import NIOHTTP2

/// A connection's per-stream values by stream id, in place of `[HTTP2StreamKey: Value]` in the gateway's stream
/// tables (`HTTP2StreamTable`, `ClientConnectionState`, `ReplicaFlowWindows`, the replica codec's sends): each call
/// looks its streams up about a dozen times across both legs, and a dictionary's lookups, inserts and removals with
/// their `modify` accesses cost 2.8k instructions per request in bench/h2-profile.sh (main at 19a7d01, ~4 %), not
/// counting the coroutine frame each `modify` allocates.
///
/// The streams of both legs are opened by the client side of their connection, so their ids are odd and increase
/// (RFC 9113 § 5.1.1: the client's codec refuses others before anything is stored; the gateway picks its own in
/// order on a replica's connection), and they close roughly in the order they opened. So the odd ids from `base` on
/// are slots of an array, two ids apart: a lookup is a subtraction and an index. Closed slots at the front are
/// dropped (the array is compacted once they are half of it). The window spans at most `4 × count + 64` ids when
/// a stream is added (the array at most twice that, its spent front included): a
/// stream that stays open while many after it come and go (a long gRPC stream), an id far ahead (a client that skips
/// ids) or an even id goes to a dictionary beside the window, so no input makes the array large.
struct HTTP2StreamMap<Value> {
    /// Slots for the odd ids `base`, `base + 2`, ... from `head` on; those before `head` are spent.
    private var slots: [Value?] = []
    private var head = 0
    /// The id of `slots[head]` (odd).
    private var base = 1
    /// Values in the window.
    private var live = 0
    /// Streams outside the window (see above).
    private var overflow: [HTTP2StreamKey: Value] = [:]

    init() {}

    var count: Int { live + overflow.count }

    var isEmpty: Bool { count == 0 }

    /// The slots the array holds, spent ones at its front included: what the bound above limits (for the tests).
    var slotCount: Int { slots.count }

    /// The slot of `id` if it is in the window.
    @inline(__always)
    private func slot(_ id: Int) -> Int? {
        guard id & 1 == 1, id >= base else { return nil }
        let index = head + (id - base) >> 1
        return index < slots.count ? index : nil
    }

    /// The most ids the window may span with `live` values in it.
    private static func span(_ live: Int) -> Int { 4 * live + 64 }

    subscript(key: HTTP2StreamKey) -> Value? {
        get {
            if let index = slot(Int(key.id)) { return slots[index] }
            return overflow.isEmpty ? nil : overflow[key]
        }
        set {
            if let newValue { insert(newValue, key) } else { removeValue(forKey: key) }
        }
    }

    /// Changes the stream's value in place (nil, and `body` not called, when there is none). The tables change
    /// their streams' values through this rather than through the subscript (`map[key]?.window.closed = true` copies
    /// the value out and stores it back, retaining and releasing what it holds); a `_modify` accessor, which would
    /// keep the subscript's syntax, costs a coroutine whose frame is allocated when it nests `Array`'s own (and
    /// `Dictionary`'s `modify` did the same: a `malloc` per access).
    @inline(__always) @discardableResult
    mutating func update<R>(_ key: HTTP2StreamKey, _ body: (inout Value) -> R) -> R? {
        if let index = slot(Int(key.id)) {
            return slots.withUnsafeMutableBufferPointer { slots in
                slots[index] == nil ? nil : body(&slots[index]!)
            }
        }
        guard !overflow.isEmpty, overflow[key] != nil else { return nil }
        return body(&overflow[key]!)
    }

    /// The ids, in the window's order then the others'.
    var keys: [HTTP2StreamKey] { map(\.key) }

    var values: [Value] { map(\.value) }

    mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        head = 0
        live = 0
        overflow = [:]
    }

    @discardableResult
    mutating func removeValue(forKey key: HTTP2StreamKey) -> Value? {
        guard let index = slot(Int(key.id)) else {
            return overflow.isEmpty ? nil : overflow.removeValue(forKey: key)
        }
        guard let value = slots[index] else { return nil }
        slots[index] = nil
        removed(at: index)
        return value
    }

    private mutating func insert(_ value: Value, _ key: HTTP2StreamKey) {
        let id = Int(key.id)
        if let index = slot(id) {
            if slots[index] == nil { live += 1 }
            slots[index] = value
            return
        }
        guard id & 1 == 1, id >= base || live == 0 else {
            overflow[key] = value
            return
        }
        if live > 0 {
            // Past the window's end: the oldest streams move out if the window would span too many ids.
            let needed = (id - base) >> 1 + 1
            let limit = Self.span(live + 1)
            if needed > limit { evict(needed - limit) }
        }
        if live == 0 {
            // An empty window starts at this id.
            slots.removeAll(keepingCapacity: true)
            head = 0
            base = id
        }
        let index = head + (id - base) >> 1
        while slots.count < index { slots.append(nil) }
        slots.append(value)
        live += 1
    }

    /// Moves the window's first `n` slots out (their values to `overflow`).
    private mutating func evict(_ n: Int) {
        let end = Swift.min(head + n, slots.count)
        for index in head..<end {
            guard let value = slots[index] else { continue }
            overflow[HTTP2StreamKey(HTTP2StreamID(base + (index - head) * 2))] = value
            live -= 1
        }
        base += (end - head) * 2
        head = end
        compact()
    }

    /// The slot at `index` was emptied: spent slots at the front are skipped, and dropped once they are half.
    private mutating func removed(at index: Int) {
        live -= 1
        guard index == head else { return }
        while head < slots.count, slots[head] == nil {
            head += 1
            base += 2
        }
        compact()
    }

    private mutating func compact() {
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 32, head * 2 >= slots.count {
            slots.removeFirst(head)
            head = 0
        }
    }
}

extension HTTP2StreamMap: Sequence {
    func makeIterator() -> Array<(key: HTTP2StreamKey, value: Value)>.Iterator {
        var all: [(key: HTTP2StreamKey, value: Value)] = []
        all.reserveCapacity(count)
        for index in head..<slots.count {
            if let value = slots[index] {
                all.append((HTTP2StreamKey(HTTP2StreamID(base + (index - head) * 2)), value))
            }
        }
        for (key, value) in overflow { all.append((key, value)) }
        return all.makeIterator()
    }
}
