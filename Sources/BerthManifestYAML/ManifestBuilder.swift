public import BerthManifest
import Yams

/// Builds the `Manifest` from an interpolated YAML tree, reporting problems into the context as it goes.
struct ManifestBuilder {
    let context: LoadContext

    /// Nil only when the tree is unusable (not a mapping); otherwise a manifest, possibly with errors reported.
    func build(root: Node) -> Manifest? {
        guard case .mapping = root else {
            // Not `summary`: a file given by mistake (an env or secrets file) must not be quoted back.
            let found = if case .scalar = root { "text" } else { root.summary }
            context.error("the manifest must be a mapping with keys name, gateway and services, got \(found)", at: root)
            return nil
        }
        guard
            let reader = MappingReader(
                root, key: "manifest", section: ManifestSchema.root,
                owner: "the manifest", context: context)
        else { return nil }
        let project = projectName(reader)
        var services: [String: ServiceSpec] = [:]
        if let node = reader["services"],
            let entries = MappingReader.entries(of: node, key: "services", context: context)
        {
            for entry in entries {
                if let spec = service(named: entry.key, keyNode: entry.keyNode, value: entry.value) {
                    services[spec.name] = spec
                }
            }
            if entries.isEmpty {
                context.error("'services' must define at least one service", at: node)
            }
        } else if reader["services"] == nil,
            !reader.unknownKeys.contains(where: { EditDistance.suggestion(for: $0, among: ["services"]) != nil })
        {
            context.error(
                "the manifest defines no services; add a 'services:' mapping",
                at: reader.keyNode("services") ?? root)
        }
        // A service without its own `env_inherit` takes the project's.
        let projectInherit = reader["env_inherit"].flatMap { envInheritance($0) } ?? .standard
        for (name, spec) in services where spec.keyLocations["env_inherit"] == nil {
            services[name]?.envInherit = projectInherit
        }
        var gateway = reader["gateway"].flatMap { gatewaySpec($0, keyNode: reader.keyNode("gateway")) }
        for (name, spec) in services where spec.upstreamProtocol != .http1 {
            gateway?.spec.upstreamProtocols[name] = spec.upstreamProtocol
        }
        let admin = reader["admin"].flatMap { adminSpec($0, keyNode: reader.keyNode("admin")) }
        if let admin, let clash = gateway?.spec.listen.first(where: admin.listen.overlaps) {
            context.error("admin listener \(admin.listen) uses the gateway's port \(clash.port)", at: reader["admin"])
        }
        let projectHooks = hooks(reader, service: nil)
        var validator = ManifestValidator(context: context, services: services, gateway: gateway)
        let startOrder = validator.validate()
        var manifest = Manifest(
            project: project,
            file: context.file,
            directory: context.directory,
            gateway: gateway?.spec,
            admin: admin,
            log: logSpec(reader["log"]),
            portRange: portRange(reader),
            services: services,
            startOrder: startOrder,
            warnings: context.sortedDiagnostics.filter { $0.severity == .warning }
        )
        manifest.secretVariables = context.secretVariables
        manifest.keyPathVariables = context.keyPathVariables
        manifest.referencedVariables = context.referencedVariables
        manifest.sourceFiles = context.sourceFiles
        manifest.hooks = projectHooks
        return manifest
    }

    private func projectName(_ reader: MappingReader) -> String {
        guard let name = reader.string("name") else {
            return Self.sanitizedProjectName(PathText.lastComponent(of: context.directory))
        }
        guard Self.hasValidProjectCharacters(name) else {
            context.error(
                "invalid project name '\(name)'; use lowercase letters, digits, '_' and '-', "
                    + "starting with a letter or digit", at: reader["name"])
            return name
        }
        guard name.utf8.count <= Self.maxProjectNameLength else {
            context.error(
                "project name '\(name)' is \(name.utf8.count) characters long; at most \(Self.maxProjectNameLength) "
                    + "(it names the control socket, whose path must fit a Unix socket address, and Kubernetes "
                    + "labels)", at: reader["name"])
            return name
        }
        return name
    }

    /// The longest project name (audit11): `/run/berth/NAME/control.sock` and the other users' socket paths must fit
    /// the 107 bytes of a Unix socket address (a 100-character name passed `check`, then `berth up` failed with
    /// "lost the connection to the daemon ...: invalid socket path"), and the Kubernetes export puts the name in
    /// label values, which hold 63 characters.
    static let maxProjectNameLength = 63

    static func isValidProjectName(_ name: String) -> Bool {
        hasValidProjectCharacters(name) && name.utf8.count <= maxProjectNameLength
    }

    static func hasValidProjectCharacters(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLowercase || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// Lowercased, other characters replaced by `-`, leading `-`/`_` dropped, cut to the longest name; `project` if
    /// nothing is left.
    static func sanitizedProjectName(_ folder: String) -> String {
        let mapped = folder.lowercased().map { character -> Character in
            let allowed = character.isASCII && (character.isLowercase || character.isNumber || character == "_")
            return allowed ? character : "-"
        }
        let name = String(mapped.drop { $0 == "-" || $0 == "_" }.prefix(maxProjectNameLength))
        return name.isEmpty ? ManifestSchema.Defaults.project : name
    }

    static func isValidServiceName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
