import BerthManifest

extension KubernetesContext {
    /// Berth's variables first (so that `$(NAME)` references in later values resolve), then the service's own, each
    /// group sorted by name; a service variable of the same name replaces Berth's.
    mutating func environment(_ service: ServiceSpec) -> [YAMLNode] {
        var berth: [String: YAMLNode] = [
            "BERTH_SERVICE": .string(service.name),
            "BERTH_PROJECT": .string(project),
            "BERTH_INSTANCE": fieldRef("metadata.name"),
            "BERTH_REPLICA": service.isJob
                ? fieldRef("metadata.annotations['batch.kubernetes.io/job-completion-index']")
                : fieldRef("metadata.name"),
        ]
        if let port = containerPort(of: service) {
            berth["PORT"] = .string(String(port))
        }
        if let gatewayURL {
            berth["BERTH_GATEWAY_URL"] = .string(gatewayURL)
        }
        var result: [YAMLNode] = []
        for name in berth.keys.sorted() where service.environment[name] == nil && service.secrets[name] == nil {
            result.append(entry(name, berth[name]!))
        }
        for name in service.environment.keys.sorted() {
            result.append(entry(name, .string(podText(service.environment[name]!, service: service))))
        }
        for name in service.secrets.keys.sorted() {
            result.append(
                entry(
                    name,
                    .mapping([
                        "secretKeyRef": .mapping([
                            "name": .string(secretName(service)),
                            "key": .string(name),
                        ])
                    ])))
        }
        if !service.isJob {
            warnAboutReplicaIndex(service)
        }
        return result
    }

    /// A manifest text with placeholders resolved: fixed values inline, per-pod ones as Kubernetes `$(NAME)`
    /// references; a literal `$(` is escaped as `$$(` so Kubernetes leaves it alone.
    func podText(_ template: String, service: ServiceSpec) -> String {
        let escaped = template.replacingAll("$(", with: "$$(")
        var values = fixedValues(service)
        values["BERTH_REPLICA"] = "$(BERTH_REPLICA)"
        values["BERTH_INSTANCE"] = "$(BERTH_INSTANCE)"
        return ReplicaVariables.expand(escaped, values: values)
    }

    /// The per-replica variables that are the same in every pod of the service.
    func fixedValues(_ service: ServiceSpec) -> [String: String] {
        var values = ["BERTH_SERVICE": service.name, "BERTH_PROJECT": project]
        if let port = containerPort(of: service) {
            values["PORT"] = String(port)
        }
        if let gatewayURL {
            values["BERTH_GATEWAY_URL"] = gatewayURL
        }
        values.merge(serviceAddressValues(service)) { own, _ in own }
        return values
    }

    private func entry(_ name: String, _ value: YAMLNode) -> YAMLNode {
        if case .mapping = value {
            return .mapping(["name": .string(name), "valueFrom": value])
        }
        return .mapping(["name": .string(name), "value": value])
    }

    private func fieldRef(_ path: String) -> YAMLNode {
        .mapping(["fieldRef": .mapping(["fieldPath": .string(path)])])
    }

    private mutating func warnAboutReplicaIndex(_ service: ServiceSpec) {
        let message =
            "service '\(service.name)' uses BERTH_REPLICA, but pods of a Deployment have no index: "
            + "it is set to the pod's name (use a StatefulSet by hand if replicas need stable indexes)"
        if service.command.contains(where: { $0.contains("BERTH_REPLICA") }) {
            diagnostics.warning(message, at: service.location(of: "command"))
        }
        for name in service.environment.keys.sorted() where service.environment[name]!.contains("BERTH_REPLICA") {
            diagnostics.warning(message, at: service.location(of: "env." + name))
        }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
