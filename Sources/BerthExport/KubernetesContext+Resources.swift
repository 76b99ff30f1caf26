import BerthManifest

extension KubernetesContext {
    /// `limits.memory` and `limits.cpu` as the container's `resources`: requests equal to limits, since berth
    /// enforces them as hard caps and reserves nothing less (a pod in the Guaranteed class), except that
    /// `memory_soft`, what a replica is expected to stay under, is the memory request. The other limits have no
    /// per-container field: each is a warning.
    mutating func resources(_ service: ServiceSpec) -> YAMLNode? {
        let limits = service.limits
        for (key, set) in [
            ("pids", limits.pids != nil), ("open_files", limits.openFiles != nil),
            ("core", limits.coreBytes != nil),
        ] where set {
            diagnostics.warning(
                "Kubernetes has no per-container \(key) limit: limits.\(key) of service "
                    + "'\(service.name)' is not exported (the node's kubelet and container runtime set it)",
                at: service.location(of: "limits.\(key)"))
        }
        var values: [String: YAMLNode] = [:]
        if let bytes = limits.memoryBytes { values["memory"] = .string(Self.quantity(bytes: bytes)) }
        if let cores = limits.cpuCores { values["cpu"] = .string(Self.quantity(cores: cores)) }
        var requests = values
        if let soft = limits.memorySoftBytes { requests["memory"] = .string(Self.quantity(bytes: soft)) }
        guard !requests.isEmpty else { return nil }
        var resources: [String: YAMLNode] = ["requests": .mapping(requests)]
        if !values.isEmpty { resources["limits"] = .mapping(values) }
        return .mapping(resources)
    }

    /// `512Mi`, `1536Ki`, or plain bytes: Kubernetes' binary suffixes, exact.
    static func quantity(bytes: Int) -> String {
        for (suffix, factor) in [("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)]
        where bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return String(bytes)
    }

    /// `500m` for half a core, `2` for two.
    static func quantity(cores: Double) -> String {
        let millicores = Int((cores * 1000).rounded())
        return millicores % 1000 == 0 ? String(millicores / 1000) : "\(millicores)m"
    }
}
