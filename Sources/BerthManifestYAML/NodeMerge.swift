public import BerthManifest
import Yams

/// The two ways a manifest says a thing once and uses it many times: YAML merge keys (`<<: *defaults`, resolved
/// here because Yams' `compose` keeps `<<` as an ordinary key) and the key-by-key merge of an included or override
/// file over what came before. Pure functions of YAML trees; values keep the marks of the text they came from, so
/// diagnostics point at the line that wrote them (an alias' values at the anchor).
enum NodeMerge {
    /// `node` with every `<<` key of every mapping replaced by the entries it names: a mapping, or a list of
    /// mappings (earlier ones win). Keys written in the mapping itself win over merged ones, as YAML 1.1 says.
    static func resolvingMergeKeys(_ node: Node, context: LoadContext) -> Node {
        resolvedMergeKeys(node, context: context) ?? node
    }

    /// What `resolvingMergeKeys` makes of `node`, or nil when nothing beneath it changes. A tree of up to
    /// `NodeBudget.maximumNodes` nodes, most of them aliases' copies without a `<<`, is walked without rebuilding
    /// any of it (the fuzzer found 350 bytes whose walk took over 10 s under its sanitizer).
    private static func resolvedMergeKeys(_ node: Node, context: LoadContext) -> Node? {
        switch node {
        case .scalar, .alias:
            return nil
        case .sequence(let sequence):
            return sequence.changed { resolvedMergeKeys($0, context: context) }
        case .mapping(let mapping):
            var own: [(Node, Node)] = []
            var merged: [(Node, Node)] = []
            var changed = false
            for (key, value) in mapping {
                guard isMergeKey(key) else {
                    let resolved = resolvedMergeKeys(value, context: context)
                    changed = changed || resolved != nil
                    own.append((key, resolved ?? value))
                    continue
                }
                changed = true
                let sources: [Node]
                switch value {
                case .mapping: sources = [value]
                case .sequence(let list) where list.allSatisfy({ $0.mapping != nil }): sources = Array(list)
                default:
                    context.error(
                        "'<<' must merge a mapping or a list of mappings (an alias such as *defaults), "
                            + "got \(value.summary)", at: value)
                    continue
                }
                for source in sources {
                    guard case .mapping(let entries) = resolvingMergeKeys(source, context: context) else { continue }
                    merged.append(contentsOf: entries.map { ($0.key, $0.value) })
                }
            }
            guard changed else { return nil }
            guard mapping.contains(where: { isMergeKey($0.key) }) else {
                return .mapping(Node.Mapping(own, mapping.tag, mapping.style, mapping.mark))
            }
            var seen = Set(own.compactMap { keyName($0.0) })
            var pairs = own
            for (key, value) in merged {
                guard let name = keyName(key), !seen.contains(name) else { continue }
                seen.insert(name)
                pairs.append((key, value))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        }
    }

    /// A plain `<<` key (a quoted `'<<'` is an ordinary key).
    static func isMergeKey(_ key: Node) -> Bool {
        guard case .scalar(let scalar) = key else { return false }
        return scalar.string == "<<" && (scalar.style == .plain || scalar.style == .any)
    }

    /// `node` without its `x-` keys (Compose's extension fields, where anchors are defined), at the top level and in
    /// each service.
    static func droppingExtensions(_ node: Node) -> Node {
        guard case .mapping(let root) = node else { return node }
        let pairs = root.compactMap { pair -> (Node, Node)? in
            if isExtension(pair.key) { return nil }
            guard keyName(pair.key) == "services", case .mapping(let services) = pair.value else {
                return (pair.key, pair.value)
            }
            let cleaned = services.map { service -> (Node, Node) in
                guard case .mapping(let keys) = service.value else { return (service.key, service.value) }
                let kept = keys.filter { !isExtension($0.key) }.map { ($0.key, $0.value) }
                return (service.key, .mapping(Node.Mapping(kept, keys.tag, keys.style, keys.mark)))
            }
            return (pair.key, .mapping(Node.Mapping(cleaned, services.tag, services.style, services.mark)))
        }
        return .mapping(Node.Mapping(pairs, root.tag, root.style, root.mark))
    }

    /// The text of a scalar key; nil for a mapping or list used as a key.
    static func keyName(_ key: Node) -> String? {
        guard case .scalar(let scalar) = key else { return nil }
        return scalar.string
    }

    private static func isExtension(_ key: Node) -> Bool {
        keyName(key)?.hasPrefix("x-") ?? false
    }

    /// `override` laid over `base`: two mappings merge key by key (recursively, the base's key order first, new keys
    /// after); anything else (a scalar, a list, a null) replaces what the base had. A null therefore unsets a key.
    static func overlay(_ override: Node, on base: Node) -> Node {
        guard case .mapping(let over) = override, case .mapping(let under) = base else { return override }
        var pairs: [(Node, Node)] = []
        var used = Set<String>()
        for (key, value) in under {
            guard let name = keyName(key) else {
                pairs.append((key, value))
                continue
            }
            if let replacement = over.first(where: { keyName($0.key) == name }) {
                used.insert(name)
                // The override's key, so that a diagnostic about the key points at the file that set it last.
                pairs.append((replacement.key, overlay(replacement.value, on: value)))
            } else {
                pairs.append((key, value))
            }
        }
        for (key, value) in over where !(keyName(key).map(used.contains) ?? false) {
            pairs.append((key, value))
        }
        return .mapping(Node.Mapping(pairs, under.tag, under.style, under.mark))
    }
}
