public import BerthManifest
import Yams

extension Node {
    /// A plain scalar meaning "no value": empty, `~` or `null`.
    var isNull: Bool {
        guard case .scalar(let scalar) = self else { return false }
        guard scalar.style == .plain else { return false }
        switch scalar.string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// The text of a non-null scalar.
    var text: String? {
        guard case .scalar(let scalar) = self, !isNull else { return nil }
        return scalar.string
    }

    /// How diagnostics describe what was found, e.g. `a mapping` or `'two'`.
    var summary: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "nothing" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "..." : scalar.string
            return "'\(text)'"
        }
    }
}

extension Node.Sequence {
    /// The sequence node with `transform`'s result in place of each node it changes (nil: unchanged), or nil when it
    /// changes none: the walks over the expanded tree (merge keys, interpolation) rebuild only what changes.
    func changed(_ transform: (Node) -> Node?) -> Node? {
        var nodes: [Node]?
        for (index, child) in enumerated() {
            guard let new = transform(child) else { continue }
            if nodes == nil { nodes = Array(self) }
            nodes![index] = new
        }
        return nodes.map { .sequence(Node.Sequence($0, tag, style, mark)) }
    }
}
