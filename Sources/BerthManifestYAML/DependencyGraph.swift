public import BerthManifest

/// Start order and cycles of the `depends_on` graph.
struct DependencyGraph {
    /// Service -> the services it depends on (only known, other services).
    var dependencies: [String: Set<String>]

    /// Dependencies before dependents; among services that could start at the same point, by name.
    /// Services caught in or behind a cycle come last, by name.
    func startOrder() -> [String] {
        var remaining = dependencies
        var order: [String] = []
        while true {
            let startable = remaining.filter { $0.value.allSatisfy { remaining[$0] == nil } }.keys
            guard let next = startable.min() else { break }
            order.append(next)
            remaining[next] = nil
        }
        return order + remaining.keys.sorted()
    }

    /// Every distinct cycle, each starting and ending at its smallest name, e.g. `["a", "b", "a"]`.
    func cycles() -> [[String]] {
        var remaining = dependencies
        var changed = true
        while changed {
            changed = false
            for (name, deps) in remaining where deps.allSatisfy({ remaining[$0] == nil }) {
                remaining[name] = nil
                changed = true
            }
        }
        var found: [[String]] = []
        for start in remaining.keys.sorted() {
            var path = [start]
            var current = start
            while true {
                guard let next = remaining[current]?.filter({ remaining[$0] != nil }).min() else { break }
                if let first = path.firstIndex(of: next) {
                    var cycle = Array(path[first...])
                    let smallest = cycle.indices.min { cycle[$0] < cycle[$1] }!
                    cycle = Array(cycle[smallest...] + cycle[..<smallest])
                    cycle.append(cycle[0])
                    if !found.contains(cycle) { found.append(cycle) }
                    break
                }
                path.append(next)
                current = next
            }
        }
        return found
    }
}
