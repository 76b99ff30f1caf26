public import BerthManifest
import Yams

extension ManifestBuilder {
    func restartSpec(_ node: Node, service: String, keyLocations: inout [String: SourceLocation]) -> RestartSpec {
        var spec = RestartSpec()
        let owner = "'restart' of service '\(service)'"
        guard
            let reader = MappingReader(
                node, key: "restart", section: ManifestSchema.restart, owner: owner,
                context: context)
        else { return spec }
        keyLocations.merge(reader.keyLocations(prefix: "restart")) { _, new in new }
        if let text = reader.string("policy") {
            if let policy = RestartPolicy(rawValue: text) {
                spec.policy = policy
            } else {
                let hint = context.hint(for: text, among: RestartPolicy.allCases.map(\.rawValue))
                context.error(
                    "unknown restart policy '\(text)'; expected always, on-failure or never\(hint)",
                    at: reader["policy"])
            }
        }
        if let node = reader["backoff"] {
            spec.backoff = backoff(node, owner: owner, keyLocations: &keyLocations)
        }
        if let node = reader["give_up"],
            let giveUp = MappingReader(
                node, key: "give_up",
                section: ManifestSchema.giveUp, owner: "'restart.give_up' of service '\(service)'", context: context)
        {
            keyLocations.merge(giveUp.keyLocations(prefix: "restart.give_up")) { _, new in new }
            spec.giveUp.restarts = giveUp.int("restarts", minimum: 0) ?? spec.giveUp.restarts
            spec.giveUp.within = giveUp.duration("within", positive: true) ?? spec.giveUp.within
        }
        spec.resetAfter = reader.duration("reset_after") ?? spec.resetAfter
        return spec
    }

    private func backoff(_ node: Node, owner: String, keyLocations: inout [String: SourceLocation]) -> BackoffSpec {
        var spec = BackoffSpec()
        guard
            let reader = MappingReader(
                node, key: "backoff", section: ManifestSchema.backoff,
                owner: "'backoff' of \(owner)", context: context)
        else { return spec }
        keyLocations.merge(reader.keyLocations(prefix: "restart.backoff")) { _, new in new }
        spec.initial = reader.duration("initial") ?? spec.initial
        spec.max = reader.duration("max") ?? spec.max
        spec.multiplier = reader.double("multiplier", range: 1...Double.greatestFiniteMagnitude) ?? spec.multiplier
        spec.jitter = reader.double("jitter", range: 0...1) ?? spec.jitter
        if spec.max < spec.initial {
            context.error(
                "backoff 'max' (\(DurationText.format(spec.max))) must be >= 'initial' "
                    + "(\(DurationText.format(spec.initial)))", at: reader["max"] ?? reader["initial"])
        }
        return spec
    }

    func stopSpec(_ node: Node, service: String, keyLocations: inout [String: SourceLocation]) -> StopSpec {
        var spec = StopSpec()
        guard
            let reader = MappingReader(
                node, key: "stop", section: ManifestSchema.stop,
                owner: "'stop' of service '\(service)'", context: context)
        else { return spec }
        keyLocations.merge(reader.keyLocations(prefix: "stop")) { _, new in new }
        if let text = reader.string("signal") {
            if let number = Signals.number(named: text), let name = Signals.name(of: number) {
                spec.signal = number
                spec.signalName = name
            } else {
                context.error(
                    "unknown signal '\(text)'; use a Linux signal name such as SIGTERM, or its number",
                    at: reader["signal"])
            }
        }
        spec.timeout = reader.duration("timeout") ?? spec.timeout
        return spec
    }

    /// `{name: condition}` or a list of names (meaning `started`).
    func dependencies(_ node: Node, keyLocations: inout [String: SourceLocation]) -> [String: DependencyCondition] {
        var result: [String: DependencyCondition] = [:]
        if case .sequence(let sequence) = node {
            for item in sequence {
                guard let name = item.text else {
                    context.error("'depends_on' entries must be service names, got \(item.summary)", at: item)
                    continue
                }
                keyLocations["depends_on." + name] = context.location(item)
                result[name] = ManifestSchema.Defaults.dependencyCondition
            }
            return result
        }
        guard case .mapping = node else {
            context.error(
                "'depends_on' must be a mapping of service: condition, or a list of services, "
                    + "got \(node.summary)", at: node)
            return result
        }
        for entry in MappingReader.entries(of: node, key: "depends_on", context: context) ?? [] {
            keyLocations["depends_on." + entry.key] = context.location(entry.keyNode)
            let text = entry.value.text ?? ""
            guard let condition = DependencyCondition(rawValue: text) else {
                context.error(
                    "unknown dependency condition \(entry.value.summary); expected started, ready "
                        + "or completed", at: entry.value)
                continue
            }
            result[entry.key] = condition
        }
        return result
    }
}
