public import BerthManifest
import Yams

/// Bounds how large a manifest may grow through YAML aliases. An alias is a reference, so a few hundred bytes of
/// aliases of aliases (`b: [*a, *a, ...]`, "billion laughs") describe a tree of billions of nodes, and every later
/// pass (interpolation, reading sections) would walk all of them: the loader would hang. Real manifests have a few
/// thousand nodes; the walk stops as soon as the budget is spent, so it costs at most `maximumNodes` steps.
enum NodeBudget {
    static let maximumNodes = 100_000

    /// The node at which the tree grows past `limit` nodes, or nil if it stays within it.
    static func nodeBeyond(_ limit: Int = maximumNodes, in root: Node) -> Node? {
        var remaining = limit
        var pending = [root]
        while let node = pending.popLast() {
            remaining -= 1
            if remaining < 0 { return node }
            switch node {
            case .scalar, .alias:
                continue
            case .sequence(let sequence):
                pending.append(contentsOf: sequence)
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            }
        }
        return nil
    }
}
