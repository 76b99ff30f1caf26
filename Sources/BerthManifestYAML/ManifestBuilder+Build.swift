public import BerthManifest
import Yams

extension ManifestBuilder {
    /// `build: { command, workdir, inputs }`: command required; workdir relative to the manifest's folder.
    func buildSpec(_ node: Node, service: String, keyLocations: inout [String: SourceLocation]) -> BuildSpec? {
        guard
            let reader = MappingReader(
                node, key: "build", section: ManifestSchema.build,
                owner: "'build' of service '\(service)'", context: context)
        else { return nil }
        keyLocations.merge(reader.keyLocations(prefix: "build")) { _, new in new }
        guard let commandNode = reader["command"] else {
            context.error("'build' of service '\(service)' has no 'command'", at: node)
            return nil
        }
        let command = self.command(commandNode, key: "build.command")
        let workdir = PathText.absolute(
            reader.visibleString("workdir", label: "build.workdir") ?? ManifestSchema.Defaults.workdir,
            relativeTo: context.directory)
        let inputs = reader["inputs"].map { self.buildInputs($0) } ?? []
        guard let command else { return nil }
        return BuildSpec(command: command, workdir: workdir, inputs: inputs, location: context.location(node))
    }

    private func buildInputs(_ node: Node) -> [GlobPattern] {
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .scalar: items = [node]
        case .mapping, .alias:
            context.error("'inputs' must be a list of path patterns, got \(node.summary)", at: node)
            return []
        }
        var patterns: [GlobPattern] = []
        for item in items {
            guard let text = item.text else {
                context.error("'inputs' entries must be strings, got \(item.summary)", at: item)
                continue
            }
            guard context.visible(text, key: "build.inputs", at: item) != nil else { continue }
            do {
                patterns.append(try GlobPattern(text))
            } catch {
                context.error("'inputs' pattern '\(text)': \(error.description)", at: item)
            }
        }
        return patterns
    }
}
