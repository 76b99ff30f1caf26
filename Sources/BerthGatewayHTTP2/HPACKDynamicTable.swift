import Glibc

/// A decoder's dynamic table (RFC 7541 2.3.2, 4): the fields the peer asked to index, newest first, evicted oldest
/// first so that the sum of their sizes (octets of name and value, plus 32 each) stays within the size the peer's
/// last table size update chose. Every entry's octets live in one buffer, in the order they were added (a field taken
/// from here is one copy of its octets, adding one is a copy in and evicting one moves an index): an array per entry
/// cost an allocation to add and a release to evict, and nginx's responses add ~4 entries a request
/// (bench/h2-profile.sh: ~4.5k instructions per request in the table, from 47k).
struct HPACKDynamicTable {
    struct Entry {
        /// Where the entry's octets (name, then value) start in `octets`.
        var start: Int
        var nameCount: Int
        var count: Int
        var staticName: UInt8
        /// RFC 7541 4.1: the octets the peer encoded plus 32.
        var size: Int { count + 32 }
    }

    /// The size the peer chose (at most what the gateway advertised).
    private(set) var capacity: Int
    private(set) var size = 0
    /// Oldest first from `oldest`; the entries before it are evicted and dropped in batches.
    private var entries: [Entry] = []
    private var oldest = 0
    /// The entries' octets, oldest first from the oldest entry's `start` to `end`; room for twice the table, so that
    /// the live octets are moved to the front only once per table's worth of new ones.
    private var octets: [UInt8]
    private var end = 0

    init(capacity: Int) {
        self.capacity = capacity
        octets = []
    }

    var count: Int { entries.count - oldest }

    /// The entry at dynamic index `index` (1 the newest), nil past the end; `body` reads its octets in place.
    func withEntry<Result>(
        _ index: Int, _ body: (UnsafeRawBufferPointer, _ nameCount: Int, _ staticName: UInt8) -> Result
    ) -> Result? {
        guard index >= 1, index <= count else { return nil }
        let entry = entries[entries.count - index]
        return octets.withUnsafeBytes { raw in
            body(
                UnsafeRawBufferPointer(rebasing: raw[entry.start..<entry.start + entry.count]), entry.nameCount,
                entry.staticName)
        }
    }

    /// The entry at dynamic index `index` as text (tests).
    func entry(_ index: Int) -> (name: String, value: String)? {
        withEntry(index) { raw, nameCount, _ in
            (String(decoding: raw[..<nameCount], as: UTF8.self), String(decoding: raw[nameCount...], as: UTF8.self))
        }
    }

    /// Adds a field (its name's `nameCount` octets, then its value's). RFC 7541 4.4: an entry larger than the table
    /// empties it and is not added.
    mutating func add(_ field: UnsafeRawBufferPointer, nameCount: Int, staticName: UInt8) {
        let entrySize = field.count + 32
        evict(toFit: capacity - entrySize)
        guard entrySize <= capacity else { return }
        if end + field.count > octets.count { makeRoom(for: field.count) }
        octets.withUnsafeMutableBytes { raw in
            if let source = field.baseAddress, field.count > 0 {
                (raw.baseAddress! + end).copyMemory(from: source, byteCount: field.count)
            }
        }
        entries.append(Entry(start: end, nameCount: nameCount, count: field.count, staticName: staticName))
        end += field.count
        size += entrySize
    }

    /// A dynamic table size update (RFC 7541 6.3), already checked against the advertised maximum.
    mutating func resize(to newCapacity: Int) {
        capacity = newCapacity
        evict(toFit: newCapacity)
    }

    private mutating func evict(toFit limit: Int) {
        while size > max(limit, 0), oldest < entries.count {
            size -= entries[oldest].size
            oldest += 1
        }
        if oldest == entries.count {
            entries.removeAll(keepingCapacity: true)
            oldest = 0
            end = 0
        } else if oldest >= 32 {
            entries.removeFirst(oldest)
            oldest = 0
        }
    }

    /// Moves the live octets to the front, growing the buffer when they and `count` more do not fit twice over.
    private mutating func makeRoom(for count: Int) {
        let first = oldest < entries.count ? entries[oldest].start : end
        let live = end - first
        let needed = 2 * max(capacity, live + count)
        if octets.count < needed { octets.append(contentsOf: repeatElement(0, count: needed - octets.count)) }
        if first > 0 {
            octets.withUnsafeMutableBytes { raw in
                // The regions may overlap: `memmove`.
                _ = memmove(raw.baseAddress!, raw.baseAddress! + first, live)
            }
            for index in oldest..<entries.count { entries[index].start -= first }
        }
        end = live
    }
}
