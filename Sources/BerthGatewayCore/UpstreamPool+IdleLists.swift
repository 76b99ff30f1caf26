extension UpstreamPool {
    /// A service's idle keep-alive connections, per replica id: a short array searched by id, not a dictionary.
    ///
    /// Every keep-alive request takes a connection from here and gives it back. As `[Int: [IdleConnection]]` each of
    /// the two hashed the id, and the dictionary's `modify` accessors (`idle[id]?.popLast()`, `idle[id, default:
    /// []].append`) allocated a coroutine frame apiece: ~900 instructions and three `malloc`s per request in the
    /// profile. A service has a handful of replicas: comparing their ids costs less than one hash.
    struct IdleLists {
        struct Entry {
            var id: Int
            /// Oldest first; taken from the end (the most recently used connection is the likeliest alive).
            var connections: [IdleConnection]
        }

        /// One entry per replica id that had an idle connection since it last left rotation (possibly empty now).
        private(set) var entries: [Entry] = []

        fileprivate func position(of id: Int) -> Int? {
            var index = 0
            while index < entries.count {
                if entries[index].id == id { return index }
                index += 1
            }
            return nil
        }

        func count(id: Int) -> Int {
            position(of: id).map { entries[$0].connections.count } ?? 0
        }

        /// The most recently pooled connection to the replica, removed.
        mutating func popLast(id: Int) -> IdleConnection? {
            guard let index = position(of: id) else { return nil }
            return entries[index].connections.popLast()
        }

        /// Pools `idle` for the replica unless it has `limit` already; whether it was pooled.
        mutating func append(_ idle: IdleConnection, id: Int, limit: Int) -> Bool {
            guard let index = position(of: id) else {
                guard limit > 0 else { return false }
                entries.append(Entry(id: id, connections: [idle]))
                return true
            }
            guard entries[index].connections.count < limit else { return false }
            entries[index].connections.append(idle)
            return true
        }

        /// Every connection pooled for the replica, removed with its entry (the replica left rotation).
        mutating func removeAll(id: Int) -> [IdleConnection] {
            guard let index = position(of: id) else { return [] }
            return entries.remove(at: index).connections
        }

        /// Every connection of every replica, removed.
        mutating func removeAll() -> [IdleConnection] {
            let all = entries.flatMap(\.connections)
            entries.removeAll()
            return all
        }
    }
}

extension UpstreamPool.IdleLists {
    /// Removes `connection` from the replica's list; whether it was there.
    mutating func remove(_ connection: Connection, id: Int) -> Bool {
        guard let index = position(of: id),
            let place = entries[index].connections.firstIndex(where: { $0.connection == connection })
        else { return false }
        entries[index].connections.remove(at: place)
        return true
    }

    /// The replica id under which `connection` is pooled, if it is.
    func id(of connection: Connection) -> Int? {
        entries.first { $0.connections.contains { $0.connection == connection } }?.id
    }
}

extension UpstreamPool.IdleLists: Sendable where Connection: Sendable {}
extension UpstreamPool.IdleLists.Entry: Sendable where Connection: Sendable {}
