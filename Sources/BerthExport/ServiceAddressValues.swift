import BerthManifest

extension KubernetesContext {
    /// `${services.NAME.host}` is the named service's Kubernetes Service (its DNS name in the namespace) and
    /// `${services.NAME.port}` that Service's port.
    func serviceAddressValues(_ service: ServiceSpec) -> [String: String] {
        var values: [String: String] = [:]
        for (address, _) in ServiceAddress.references(of: service) {
            values[address.variable] =
                address.part == .host
                ? KubernetesNames.objectName(address.service) : String(KubernetesNames.servicePort)
        }
        return values
    }
}

extension SystemdContext {
    /// On one host: 127.0.0.1 and the port of the named service's instance 0.
    func serviceAddressValues(_ service: ServiceSpec) -> [String: String] {
        var values: [String: String] = [:]
        for (address, _) in ServiceAddress.references(of: service) {
            switch address.part {
            case .host:
                values[address.variable] = "127.0.0.1"
            case .port:
                if let target = manifest.services[address.service], let port = port(of: target, index: 0) {
                    values[address.variable] = String(port)
                }
            }
        }
        return values
    }
}
