public import BerthManifest
import Yams

/// The files one manifest is made of, merged into one YAML tree before interpolation: the manifest, the files its
/// `include:` lists (each merged under the file that includes it, later ones over earlier ones) and, last, its
/// override file beside it (`berth.override.yaml` for `berth.yaml`), as Compose loads `compose.override.yaml`.
///
/// Each file resolves its own merge keys (`<<: *anchor`; anchors do not cross files) and loses its `x-` keys.
/// Relative paths inside any of them (`workdir`, `env_file`, ...) stay relative to the manifest's folder.
struct ManifestSources {
    /// How deep `include:` may nest, and how many files one load may read: a bound on a cycle's cousins.
    static let maximumDepth = 8
    static let maximumFiles = 64

    let context: LoadContext

    /// `berth.override.yaml` for `/p/berth.yaml`, `stack.override.yaml` for `/p/stack.yml`.
    static func overridePath(of manifest: String) -> String {
        let directory = PathText.directory(of: manifest)
        var name = PathText.lastComponent(of: manifest)
        for suffix in [".yaml", ".yml"] where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
            break
        }
        return (directory == "/" ? "" : directory) + "/" + name + ".override.yaml"
    }

    /// The merged tree of the manifest (whose text is `manifestText`), or nil when the manifest itself is unusable.
    func root(manifestText: String) -> Node? {
        guard var root = tree(of: manifestText, file: context.file, chain: [context.file]) else { return nil }
        let override = Self.overridePath(of: context.file)
        guard override != context.file else { return root }
        switch TextFile.contents(override) {
        case .success(let contents):
            context.warnIfOthersCanWrite(override, owner: contents.owner, mode: contents.mode)
            if let over = tree(of: contents.text, file: override, chain: [context.file, override]) {
                root = NodeMerge.overlay(over, on: root)
            }
        case .failure(.notFound):
            break
        case .failure(let problem):
            // Present but unusable: silently running without it would run something else than intended.
            context.error(
                "override file '\(override)' \(problem.description)",
                at: SourceLocation(file: override, line: 1, column: 1))
        }
        return root
    }

    static func hasMergeKey(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "<"), previous == byte { return true }
            previous = byte
        }
        return false
    }

    /// One file's tree with its includes merged under it; `chain` is the files that include it, itself last.
    private func tree(of text: String, file: String, chain: [String]) -> Node? {
        let first = context.addSource(file, text: text)
        let body = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        let padded = first == 1 ? text : String(repeating: "\n", count: first - 1) + body
        guard let composed = ManifestLoader.compose(padded, firstLine: first, context: context) else { return nil }
        // A merge key is a plain `<<`, which no escape can write: without one in the text, the expanded tree is not
        // walked for them.
        let merged = Self.hasMergeKey(text) ? NodeMerge.resolvingMergeKeys(composed, context: context) : composed
        let node = NodeMerge.droppingExtensions(merged)
        guard case .mapping(let mapping) = node else {
            if file == context.file { return node }  // The builder says what a manifest must be.
            context.error("an included file must be a mapping like the manifest, got \(node.summary)", at: node)
            return nil
        }
        guard let entry = mapping.first(where: { NodeMerge.keyName($0.key) == "include" }) else { return node }
        let rest = mapping.filter { NodeMerge.keyName($0.key) != "include" }.map { ($0.key, $0.value) }
        let own = Node.mapping(Node.Mapping(rest, mapping.tag, mapping.style, mapping.mark))
        var base: Node?
        for item in includeList(entry.value) {
            guard let path = included(item, from: file, chain: chain), case .success(let text) = read(path, item)
            else { continue }
            if let tree = tree(of: text, file: path, chain: chain + [path]) {
                base = base.map { NodeMerge.overlay(tree, on: $0) } ?? tree
            }
        }
        return base.map { NodeMerge.overlay(own, on: $0) } ?? own
    }

    /// The entries of `include:`: a list of paths, or one path.
    private func includeList(_ value: Node) -> [Node] {
        switch value {
        case .scalar where !value.isNull: return [value]
        case .sequence(let list): return Array(list)
        default:
            context.error("'include' must be a list of manifest files, got \(value.summary)", at: value)
            return []
        }
    }

    /// The absolute path an `include:` entry names, or nil after reporting why it cannot be included.
    private func included(_ item: Node, from file: String, chain: [String]) -> String? {
        guard let text = item.text, !text.isEmpty else {
            context.error("an 'include' entry must be the path of a manifest file, got \(item.summary)", at: item)
            return nil
        }
        let path = PathText.absolute(text, relativeTo: PathText.directory(of: file))
        if chain.contains(path) {
            let cycle = (chain + [path]).map(PathText.lastComponent).joined(separator: " -> ")
            context.error("'\(text)' is already being included (\(cycle))", at: item)
            return nil
        }
        guard chain.count <= Self.maximumDepth, context.sourceFiles.count < Self.maximumFiles else {
            context.error(
                "includes nest deeper than \(Self.maximumDepth) files or read more than \(Self.maximumFiles)", at: item)
            return nil
        }
        return path
    }

    private func read(_ path: String, _ item: Node) -> Result<String, TextFile.Problem> {
        let result = TextFile.contents(path)
        switch result {
        case .success(let contents):
            context.warnIfOthersCanWrite(path, owner: contents.owner, mode: contents.mode, at: context.location(item))
        case .failure(let problem):
            context.error("included file '\(path)' \(problem.description)", at: item)
        }
        return result.map(\.text)
    }
}
