/// A decoder's dynamic table (RFC 7541 2.3.2, 4): the fields the peer asked to index, newest first, evicted oldest
/// first so that the sum of their sizes (octets of name and value, plus 32 each) stays within the size the peer's
/// last table size update chose. Each entry keeps its name's and value's octets in one array, and its name's static
/// index (looked up once, when it is added): a field taken from here again is one copy of its octets.
struct HPACKDynamicTable {
    struct Entry {
        /// The name's octets, then the value's.
        var octets: [UInt8]
        var nameCount: Int
        /// RFC 7541 4.1: the octets the peer encoded plus 32.
        var size: Int
        var staticName: UInt8
    }

    /// The size the peer chose (at most what the gateway advertised).
    private(set) var capacity: Int
    private(set) var size = 0
    /// Oldest first from `oldest`; the entries before it are evicted and dropped in batches.
    private var entries: [Entry] = []
    private var oldest = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { entries.count - oldest }

    /// The entry at dynamic index `index` (1 the newest), nil past the end.
    func entry(_ index: Int) -> Entry? {
        guard index >= 1, index <= count else { return nil }
        return entries[entries.count - index]
    }

    /// RFC 7541 4.4: an entry larger than the table empties it and is not added.
    mutating func add(_ entry: Entry) {
        evict(toFit: capacity - entry.size)
        guard entry.size <= capacity else { return }
        entries.append(entry)
        size += entry.size
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
        } else if oldest >= 32 {
            entries.removeFirst(oldest)
            oldest = 0
        }
    }
}

extension HPACKDynamicTable.Entry {
    /// The name and value as text (tests and logs; the decoder copies the octets).
    var name: String { String(decoding: octets[..<nameCount], as: UTF8.self) }
    var value: String { String(decoding: octets[nameCount...], as: UTF8.self) }
}
