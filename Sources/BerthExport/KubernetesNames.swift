/// Kubernetes object names and labels derived from manifest names (DNS-1035 labels: lowercase, `-`, a letter first).
enum KubernetesNames {
    static let managedBy = "berth"
    /// The port every Kubernetes `Service` exposes; it forwards to the container's named port `http`.
    static let servicePort = 80
    static let portName = "http"

    /// `Web_API` -> `web-api`; a leading digit gets an `s-` prefix; at most 63 characters.
    static func objectName(_ name: String) -> String {
        var result = String(
            name.lowercased().map { character -> Character in
                character.isASCII && (character.isLetter || character.isNumber) ? character : "-"
            })
        if let first = result.first, !first.isLetter {
            result = "s-" + result
        }
        while result.hasSuffix("-") { result.removeLast() }
        return String(result.prefix(63))
    }

    /// The recommended labels; `name` and `instance` also select the pods.
    static func labels(project: String, service: String, component: String) -> [String: YAMLNode] {
        var labels = selector(project: project, service: service)
        labels["app.kubernetes.io/component"] = .string(component)
        labels["app.kubernetes.io/part-of"] = .string(project)
        labels["app.kubernetes.io/managed-by"] = .string(managedBy)
        return labels
    }

    static func selector(project: String, service: String) -> [String: YAMLNode] {
        ["app.kubernetes.io/name": .string(objectName(service)), "app.kubernetes.io/instance": .string(project)]
    }
}
