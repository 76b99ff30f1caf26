public import BerthManifest
import Yams

extension LoadContext {
    /// Returns `node` with `${...}` expanded in every scalar value (never in keys), reporting each failure at the
    /// position of its `$` inside the value.
    ///
    /// Per-replica variables (`ReplicaVariables`) become placeholders inside `command`, `env` and exec probes, and
    /// are an error anywhere else.
    func interpolate(_ node: Node, path: [String] = []) -> Node {
        guard mayInterpolate else { return node }
        return interpolated(node, path: path) ?? node
    }

    /// What `interpolate` makes of `node`, or nil when nothing beneath it changes: a tree of up to
    /// `NodeBudget.maximumNodes` nodes without a `$` is walked without rebuilding any of it.
    private func interpolated(_ node: Node, path: [String]) -> Node? {
        switch node {
        case .scalar(let scalar):
            // A byte search: `contains("$")` is Foundation's substring search, per scalar of the whole tree.
            guard scalar.string.utf8.contains(UInt8(ascii: "$")) else { return nil }
            referencedVariables.formUnion(Self.referencedNames(scalar.string).subtracting(ReplicaVariables.names))
            if Self.isSecret(path) {
                secretVariables.formUnion(Self.referencedNames(scalar.string).subtracting(ReplicaVariables.names))
            }
            if Self.isKeyPath(path) {
                keyPathVariables.formUnion(Self.referencedNames(scalar.string))
            }
            do {
                let deferring =
                    Self.allowsReplicaVariables(path)
                    ? ReplicaVariables.names.union([ServiceAddress.anyReference]) : []
                let expanded = try Interpolation.expand(scalar.string, environment: environment, deferring: deferring)
                return .scalar(Node.Scalar(expanded, .implicit, scalar.style, scalar.mark))
            } catch {
                var message = error.description
                if case .unsetVariable(let name, _) = error, ReplicaVariables.names.contains(name) {
                    message = "\(name) is set per replica: use ${\(name)} only in command, env and exec probes"
                }
                if case .invalidName = error, Self.isSecret(path) {
                    // The "name" is a piece of the secret's text.
                    message = "invalid variable name in '${...}' of a secret value; write '$$' for a literal '$'"
                }
                report(.error, message, at: location(inside: scalar, offset: error.offset))
                return nil
            }
        case .mapping(let mapping):
            var pairs: [(Node, Node)]?
            for (index, entry) in mapping.enumerated() {
                guard let value = interpolated(entry.value, path: path + [entry.key.string ?? ""]) else { continue }
                if pairs == nil { pairs = mapping.map { ($0.key, $0.value) } }
                pairs![index].1 = value
            }
            return pairs.map { .mapping(Node.Mapping($0, mapping.tag, mapping.style, mapping.mark)) }
        case .sequence(let sequence):
            return sequence.changed { interpolated($0, path: path) }
        case .alias:
            return nil
        }
    }

    /// `services.NAME.command`, `services.NAME.env.KEY` and `services.NAME.(ready|health).exec`.
    static func allowsReplicaVariables(_ path: [String]) -> Bool {
        guard path.count >= 3, path[0] == "services" else { return false }
        switch path[2] {
        case "command", "env": return true
        case "ready", "health": return path.count >= 4 && path[3] == "exec"
        default: return false
        }
    }

    /// `services.NAME.env.KEY.secret` and `admin.token`: a value whose text no diagnostic may quote, and whose
    /// variables are secrets too.
    static func isSecret(_ path: [String]) -> Bool {
        (path.count == 5 && path[0] == "services" && path[2] == "env" && path[4] == "secret")
            || path == ["admin", "token"]
    }

    /// `gateway.listen[...].tls.key`: the path of a private key.
    static func isKeyPath(_ path: [String]) -> Bool {
        path == ["gateway", "listen", "tls", "key"]
    }

    /// The names after each `${` (a `$${` is a literal and names nothing).
    static func referencedNames(_ text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                rest = after.dropFirst()
                continue
            }
            guard after.first == "{" else {
                rest = after
                continue
            }
            let name = after.dropFirst().prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            if !name.isEmpty { names.insert(String(name)) }
            rest = after.dropFirst()
        }
        return names
    }

    /// The position of a character inside a one-line scalar (after its opening quote, if any).
    /// The position of character `offset` of a scalar's value: exact when the value is written as is on the
    /// scalar's first line (a plain or quoted scalar without escapes or folding), else the scalar's start.
    func location(inside scalar: Node.Scalar, offset: Int) -> SourceLocation? {
        guard let mark = scalar.mark else { return nil }
        let opening: Int
        switch scalar.style {
        case .plain, .any: opening = 0
        case .singleQuoted, .doubleQuoted: opening = 1
        case .literal, .folded: return location(mark)
        }
        let start = mark.column - 1 + opening
        let value = Array(String(scalar.string.prefix(offset)).unicodeScalars)  // `offset` counts Characters
        guard mark.line >= 1, mark.line <= sourceLines.count, start >= 0 else { return location(mark) }
        let line = sourceLines[mark.line - 1]
        guard start + value.count <= line.count, Array(line[start..<(start + value.count)]) == value else {
            return location(mark)
        }
        return place(line: mark.line, column: mark.column + opening + value.count)
    }
}
