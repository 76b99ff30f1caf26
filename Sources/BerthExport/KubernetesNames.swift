/// Kubernetes object names and labels derived from manifest names (DNS-1035 labels: lowercase, `-`, a letter first).
enum KubernetesNames {
    static let managedBy = "berth"
    /// The port every Kubernetes `Service` exposes; it forwards to the container's named port `http`.
    static let servicePort = 80
    static let portName = "http"

    /// `Web_API` -> `web-api`; a leading digit gets an `s-` prefix; at most 63 characters, never ending in `-`
    /// (audit12: the cut came after the trim, so a name cut at a `_` ended in `-`, which Kubernetes refuses).
    static func objectName(_ name: String) -> String {
        var result = String(
            name.lowercased().map { character -> Character in
                character.isASCII && (character.isLetter || character.isNumber) ? character : "-"
            })
        if let first = result.first, !first.isLetter {
            result = "s-" + result
        }
        return trimmed(String(result.prefix(63)))
    }

    /// `names` made distinct, in order: a name taken already gets `-2`, `-3`... within 63 characters. Different
    /// texts can make one object name (`a.example.com` and `a-example.com`, or two cut at 63), and of two objects
    /// of one kind and name `kubectl apply` keeps the last (audit12).
    static func distinct(_ names: [String]) -> [String] {
        var taken: Set<String> = []
        return names.map { name in
            var candidate = name
            var number = 2
            while taken.contains(candidate) {
                let suffix = "-\(number)"
                candidate = trimmed(String(name.prefix(63 - suffix.count))) + suffix
                number += 1
            }
            taken.insert(candidate)
            return candidate
        }
    }

    private static func trimmed(_ name: String) -> String {
        var name = name
        while name.hasSuffix("-") { name.removeLast() }
        return name
    }

    /// The recommended labels; `name` and `instance` also select the pods.
    static func labels(project: String, service: String, component: String) -> [String: YAMLNode] {
        var labels = selector(project: project, service: service)
        labels["app.kubernetes.io/component"] = .string(component)
        labels["app.kubernetes.io/part-of"] = .string(labelValue(project))
        labels["app.kubernetes.io/managed-by"] = .string(managedBy)
        return labels
    }

    static func selector(project: String, service: String) -> [String: YAMLNode] {
        [
            "app.kubernetes.io/name": .string(objectName(service)),
            "app.kubernetes.io/instance": .string(labelValue(project)),
        ]
    }

    /// A project name as a label value, which must start and end with a letter or digit (audit12: a project named
    /// `shop-`, or taken from a folder `My Shop!`, made label values `kubectl apply` refuses). Project names are at
    /// most 63 characters, start with a letter or digit and hold only `a-z 0-9 _ -`: only the end needs trimming.
    static func labelValue(_ project: String) -> String {
        var value = project
        while let last = value.last, !(last.isASCII && (last.isLetter || last.isNumber)) { value.removeLast() }
        return value
    }
}
