import BerthManifest

extension KubernetesContext {
    /// The Secret a service's `secretKeyRef`s name: `SERVICE-secrets`.
    func secretName(_ service: ServiceSpec) -> String {
        KubernetesNames.objectName(service.name) + "-secrets"
    }

    /// The Secret object for a service with secrets, without their values: an export is text for git and review,
    /// and secret values never appear in it. The keys are listed in the `berth.dev/keys` annotation; a key missing
    /// from the live Secret keeps the pod from starting (`secretKeyRef` is not optional), so a forgotten value is
    /// loud. `kubectl apply` of an object without `data` leaves data filled in by other means alone.
    mutating func secretObject(_ service: ServiceSpec) -> YAMLNode? {
        guard !service.secrets.isEmpty else { return nil }
        let name = secretName(service)
        let keys = service.secrets.keys.sorted()
        diagnostics.warning(
            "service '\(service.name)' has secrets (\(keys.joined(separator: ", "))); their values "
                + "are not exported: fill the Secret '\(name)' before the pods can start, e.g. kubectl create secret "
                + "generic \(name) --from-env-file=FILE --dry-run=client -o yaml | kubectl apply -f -",
            at: service.location(of: service.keyLocations["secrets"] != nil ? "secrets" : "env." + keys[0]))
        let labels = KubernetesNames.labels(project: project, service: service.name, component: "secret")
        guard case .mapping(var meta) = metadata(name: name, labels: labels) else { return nil }
        meta["annotations"] = .mapping(["berth.dev/keys": .string(keys.joined(separator: ","))])
        return .mapping([
            "apiVersion": .string("v1"),
            "kind": .string("Secret"),
            "metadata": .mapping(meta),
            "type": .string("Opaque"),
        ])
    }
}
