import BerthManifest

extension KubernetesContext {
    /// The native `grpc:` probe (Kubernetes 1.27+): the kubelet calls grpc.health.v1 `Health/Check` itself. Its
    /// port must be a number (a named port is not accepted there), so it is the container's port.
    func grpcAction(name: String?, service: ServiceSpec) -> YAMLNode {
        var action: [String: YAMLNode] = ["port": .int(containerPort(of: service) ?? 0)]
        if let name { action["service"] = .string(name) }
        return .mapping(action)
    }

    /// `appProtocol` of the Service port: `kubernetes.io/h2c` when the port speaks cleartext HTTP/2 (`protocol: h2c`
    /// or `grpc`, or a grpc probe on it), so that a mesh or an ingress in front of the Service talks HTTP/2 to it.
    func appProtocol(_ service: ServiceSpec) -> [String: YAMLNode] {
        let probes = [service.ready, service.health].compactMap { $0?.check }
        let grpcProbe = probes.contains(where: { if case .grpc = $0 { true } else { false } })
        guard grpcProbe || service.upstreamProtocol.isHTTP2 else { return [:] }
        return ["appProtocol": .string("kubernetes.io/h2c")]
    }
}
