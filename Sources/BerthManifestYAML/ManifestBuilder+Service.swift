public import BerthManifest
import Foundation
import Yams

extension ManifestBuilder {
    /// One service with defaults applied; nil when it is too broken to describe (errors are reported).
    func service(named name: String, keyNode: Node, value: Node) -> ServiceSpec? {
        if !Self.isValidServiceName(name) {
            context.error(
                "invalid service name '\(name)'; use letters, digits, '_' and '-', "
                    + "starting with a letter or digit", at: keyNode)
        }
        let owner = "service '\(name)'"
        guard
            let reader = MappingReader(
                value, key: name, section: ManifestSchema.service, owner: owner,
                context: context)
        else { return nil }
        var keyLocations = reader.keyLocations(prefix: "")

        let command: [String]
        if let node = reader["command"] {
            command = self.command(node, key: "command") ?? []
        } else {
            context.error("service '\(name)' has no 'command'", at: keyNode)
            command = []
        }
        let workdir = self.workdir(reader)
        let (environment, secrets) = self.environment(reader, keyLocations: &keyLocations)
        let envInherit = reader["env_inherit"].flatMap { envInheritance($0) }
        var replicas = reader.int("replicas", minimum: 0) ?? ManifestSchema.Defaults.replicas
        // Bounded (audit4): `replicas: 99999999` passed `berth check` and `berth up` tried to start them all.
        if replicas > ManifestSchema.Defaults.maximumReplicas, let value = reader["replicas"] {
            context.error(
                "'replicas' must be <= \(ManifestSchema.Defaults.maximumReplicas) (the most `berth scale` sets), "
                    + "got \(replicas)", at: value)
            replicas = ManifestSchema.Defaults.replicas
        }
        let port = self.port(reader, replicas: replicas, service: name)
        let ready = reader["ready"].flatMap {
            probe($0, key: "ready", service: name, port: port, health: false, keyLocations: &keyLocations)
        }
        let health = reader["health"].flatMap {
            probe($0, key: "health", service: name, port: port, health: true, keyLocations: &keyLocations)
        }
        let gatewayFailures = reader["health"].flatMap(self.gatewayFailures)
        let restart = reader["restart"].map { restartSpec($0, service: name, keyLocations: &keyLocations) }
        let stop = reader["stop"].map { stopSpec($0, service: name, keyLocations: &keyLocations) }
        let dependsOn = reader["depends_on"].map { dependencies($0, keyLocations: &keyLocations) } ?? [:]
        let rollout = reader["rollout"].map { rolloutSpec($0, service: name, keyLocations: &keyLocations) }
        let build = reader["build"].flatMap { buildSpec($0, service: name, keyLocations: &keyLocations) }
        let limits = reader["limits"].map { limitsSpec($0, service: name, keyLocations: &keyLocations) }
        checkAccount(reader, service: name)
        var spec = ServiceSpec(
            name: name,
            command: command,
            workdir: workdir,
            environment: environment,
            secrets: secrets,
            replicas: replicas,
            port: port,
            ready: ready,
            health: health,
            gatewayFailures: gatewayFailures,
            restart: restart ?? RestartSpec(),
            stop: stop ?? StopSpec(),
            dependsOn: dependsOn,
            user: reader.visibleString("user"),
            group: reader.visibleString("group"),
            image: image(reader),
            containerPort: containerPort(reader),
            rollout: rollout ?? RolloutSpec(),
            // `notify: true` is short for `ready: { notify: true }`; either one makes the other true.
            notify: notify(reader, ready: ready, service: name),
            build: build,
            location: context.location(keyNode),
            keyLocations: keyLocations
        )
        if let envInherit { spec.envInherit = envInherit }
        spec.profiles = reader["profiles"].map(profiles) ?? []
        if let limits { spec.limits = limits }
        applySchedule(
            reader["schedule"].flatMap { scheduleSpec($0, service: name, keyLocations: &spec.keyLocations) },
            to: &spec, node: reader["schedule"])
        spec.hooks = hooks(reader, service: name)
        spec.upstreamProtocol = upstreamProtocol(reader, service: name, port: port)
        spec.watch = reader["watch"].flatMap { watchSpec($0, service: name, keyLocations: &spec.keyLocations) }
        return spec
    }

    /// `profiles: [debug, tools]`: names as service names are written.
    func profiles(_ node: Node) -> [String] {
        guard case .sequence(let list) = node else {
            context.error("'profiles' must be a list of profile names, got \(node.summary)", at: node)
            return []
        }
        var names: [String] = []
        for item in list {
            guard let name = item.text, Self.isValidServiceName(name) else {
                context.error(
                    "invalid profile name \(item.summary); use letters, digits, '_' and '-', starting "
                        + "with a letter or digit", at: item)
                continue
            }
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// A command given as a list of strings or as one string split like a shell would.
    func command(_ node: Node, key: String) -> [String]? {
        var words: [String] = []
        switch node {
        case .sequence(let sequence):
            for item in sequence {
                guard let text = item.text else {
                    context.error("'\(key)' arguments must be strings, got \(item.summary)", at: item)
                    return nil
                }
                guard !text.utf8.contains(0) else {
                    context.error("'\(key)' argument: \(EnvFile.nulMessage)", at: item)
                    return nil
                }
                words.append(text)
            }
        case .scalar(let scalar):
            do {
                words = try CommandLineSplitter.split(scalar.string)
            } catch {
                let offset: Int
                switch error {
                case .unbalancedQuote(_, let quoteOffset): offset = quoteOffset
                case .trailingBackslash: offset = max(0, scalar.string.count - 1)
                }
                context.error("'\(key)': \(error.description)", at: context.location(inside: scalar, offset: offset))
                return nil
            }
            if words.contains(where: { $0.utf8.contains(0) }) {
                context.error("'\(key)': \(EnvFile.nulMessage)", at: node)
                return nil
            }
            warnAboutShellSyntax(words, key: key, node: node)
        case .mapping, .alias:
            context.error("'\(key)' must be a list or a string, got \(node.summary)", at: node)
            return nil
        }
        guard let program = words.first, !program.isEmpty else {
            context.error("'\(key)' must not be empty", at: node)
            return nil
        }
        return words
    }

    private func warnAboutShellSyntax(_ words: [String], key: String, node: Node) {
        let operators: Set<String> = ["|", "||", "&&", ";", "&", ">", ">>", "<", "2>&1"]
        guard let word = words.first(where: operators.contains) else { return }
        context.warning(
            "'\(key)' contains '\(word)', which is passed to the program literally (there is no shell); "
                + "use [\"sh\", \"-c\", \"...\"] for shell syntax", at: context.location(node))
    }

    private func workdir(_ reader: MappingReader) -> String {
        let text = reader.visibleString("workdir")
        let path = PathText.absolute(text ?? ManifestSchema.Defaults.workdir, relativeTo: context.directory)
        var isDirectory: ObjCBool = false
        if text != nil,
            !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || !isDirectory.boolValue
        {
            context.warning("workdir '\(path)' does not exist (yet)", at: context.location(reader["workdir"]))
        }
        return path
    }

    private func image(_ reader: MappingReader) -> String? {
        guard let image = reader.visibleString("image") else { return nil }
        if image.isEmpty || image.contains(where: \.isWhitespace) {
            context.error(
                "'image' must be a container image reference without spaces, got '\(image)'",
                at: reader["image"])
        }
        return image
    }

    private func containerPort(_ reader: MappingReader) -> Int {
        guard let port = reader.int("container_port", minimum: 1) else { return ManifestSchema.Defaults.containerPort }
        guard port <= 65535 else {
            context.error("'container_port' must be a port number 1..65535, got \(port)", at: reader["container_port"])
            return ManifestSchema.Defaults.containerPort
        }
        return port
    }

    private func port(_ reader: MappingReader, replicas: Int, service: String) -> PortMode {
        guard let node = reader["port"] else { return ManifestSchema.Defaults.port }
        switch node.text {
        case "none": return .none
        case "auto": return .auto
        case let text?:
            if let base = Int(text), (1...65535).contains(base) {
                let last = base + max(replicas, 1) - 1
                if last > 65535 {
                    context.error(
                        "port range \(base)..\(last) of service '\(service)' (\(replicas) replicas) "
                            + "exceeds 65535", at: node)
                }
                return .base(base)
            }
        case nil:
            break
        }
        context.error("'port' must be none, auto or a port number 1..65535, got \(node.summary)", at: node)
        return .none
    }

    /// The service-level `notify:` (an alias of `ready: { notify: true }`); true too when `ready` uses notify.
    /// Combined with a `ready` probe of another kind it is an error: readiness would have two meanings.
    func notify(_ reader: MappingReader, ready: ProbeSpec?, service: String) -> Bool {
        let flag = reader.bool("notify") ?? ManifestSchema.Defaults.notify
        if let ready {
            if ready.check == .notify { return true }
            if flag {
                context.error(
                    "'notify: true' is short for 'ready: { notify: true }' and cannot be combined with "
                        + "the 'ready' probe of service '\(service)'; drop one of them", at: reader.keyNode("notify"))
            }
        }
        return flag
    }
}
