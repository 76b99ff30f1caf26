public import BerthManifest
import Yams

extension ManifestBuilder {
    /// `watch: [paths...]` or `watch: { paths, ignore, debounce, enabled, build_timeout }`: paths required, relative
    /// to the manifest's folder.
    func watchSpec(_ node: Node, service: String, keyLocations: inout [String: SourceLocation]) -> WatchSpec? {
        if case .sequence = node {
            let paths = watchPatterns(node, key: "paths")
            guard !paths.isEmpty else {
                if Self.isEmptyList(node) { context.error("'watch' of service '\(service)' lists no paths", at: node) }
                return nil
            }
            let spec = WatchSpec(paths: paths, directory: context.directory, location: context.location(node))
            warnAboutLinksOut(spec, at: node)
            return spec
        }
        guard
            let reader = MappingReader(
                node, key: "watch", section: ManifestSchema.watch,
                owner: "'watch' of service '\(service)'", context: context)
        else { return nil }
        keyLocations.merge(reader.keyLocations(prefix: "watch")) { _, new in new }
        guard let pathsNode = reader["paths"] else {
            context.error("'watch' of service '\(service)' has no 'paths' (e.g. paths: [\"src/**\"])", at: node)
            return nil
        }
        let paths = watchPatterns(pathsNode, key: "paths")
        let ignore = reader["ignore"].map { watchPatterns($0, key: "ignore") } ?? []
        let debounce = reader.duration("debounce") ?? ManifestSchema.Defaults.watchDebounce
        guard !paths.isEmpty else {
            // Entries that were refused have their own errors.
            if Self.isEmptyList(pathsNode) {
                context.error("'watch' of service '\(service)' lists no paths", at: pathsNode)
            }
            return nil
        }
        var spec = WatchSpec(
            paths: paths, ignore: ignore, debounce: debounce, directory: context.directory,
            location: context.location(node))
        warnAboutLinksOut(spec, at: pathsNode)
        spec.enabled = reader.bool("enabled") ?? false
        spec.buildTimeout = reader.duration("build_timeout", positive: true) ?? spec.buildTimeout
        return spec
    }

    /// A pattern whose folder is a link out of the manifest's folder is not watched (`WatchScanner`): say so.
    private func warnAboutLinksOut(_ spec: WatchSpec, at node: Node) {
        for pattern in spec.paths {
            let root = pattern.isLiteral ? pattern.text : pattern.root
            guard let target = spec.outsideTarget(of: root) else { continue }
            context.warning(
                "watch path '\(root)' leads out of the manifest's folder (to \(target)) through a symbolic link: "
                    + "it is not watched", at: context.location(node))
        }
    }

    private static func isEmptyList(_ node: Node) -> Bool {
        if case .sequence(let sequence) = node { return sequence.isEmpty }
        return false
    }

    private func watchPatterns(_ node: Node, key: String) -> [GlobPattern] {
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .scalar: items = [node]
        case .mapping, .alias:
            context.error("'\(key)' must be a list of path patterns, got \(node.summary)", at: node)
            return []
        }
        var patterns: [GlobPattern] = []
        for item in items {
            guard let text = item.text else {
                context.error("'\(key)' entries must be strings, got \(item.summary)", at: item)
                continue
            }
            guard context.visible(text, key: key, at: item) != nil else { continue }
            do {
                patterns.append(try GlobPattern(text))
            } catch {
                let problem =
                    error == .absolute
                    ? "a pattern must be relative to the manifest's folder"
                    : error.description
                context.error("'\(key)' pattern '\(text)': \(problem)", at: item)
            }
        }
        return patterns
    }
}
