extension UpstreamBalancer {
    /// The balancer's replicas by id: an array kept sorted by id and searched by bisection, not a dictionary.
    /// A request looks a replica up five times or so (pick, started, release, finished); hashing the id for each in
    /// an `[Int: Entry]` cost ~3,500 instructions per request in the profile, the search over a service's few
    /// replicas a few dozen.
    struct EntryTable: Sendable {
        private(set) var sorted: [Entry] = []

        /// Where the entry of `id` is, or where it would be inserted.
        private func position(of id: Int) -> (found: Bool, index: Int) {
            var low = 0
            var high = sorted.count
            while low < high {
                let middle = (low + high) / 2
                let middleID = sorted[middle].replica.id
                if middleID == id { return (true, middle) }
                if middleID < id { low = middle + 1 } else { high = middle }
            }
            return (false, low)
        }

        subscript(id: Int) -> Entry? {
            get {
                let (found, index) = position(of: id)
                return found ? sorted[index] : nil
            }
            set {
                let (found, index) = position(of: id)
                switch (found, newValue) {
                case (true, let entry?): sorted[index] = entry
                case (true, nil): sorted.remove(at: index)
                case (false, let entry?): sorted.insert(entry, at: index)
                case (false, nil): break
                }
            }
        }

        /// Changes the entry of `id` in place, if there is one: one search, where `self[id]?.field += 1` searched
        /// twice (a get, then a set) and copied the entry out and back.
        @inline(__always)
        mutating func update(_ id: Int, _ change: (inout Entry) -> Void) {
            let (found, index) = position(of: id)
            if found { change(&sorted[index]) }
        }

        /// As `Dictionary.compactMapValues`, by id.
        func compactMapValues<T>(_ transform: (Entry) -> T?) -> [Int: T] {
            var result: [Int: T] = [:]
            for entry in sorted {
                if let value = transform(entry) { result[entry.replica.id] = value }
            }
            return result
        }
    }
}
