import BerthManifest

extension Supervisor {
    /// The values of the `${services.NAME.port}` / `${services.NAME.host}` references of `spec`, from the named
    /// services' replicas as they run now: the port of replica 0 (the lowest index that has one) and 127.0.0.1,
    /// where every replica listens for the others. Validation made sure each named service is a dependency with a
    /// port, so it runs (with its port chosen) before `spec`'s replicas start.
    func serviceAddressValues(_ spec: ServiceSpec) -> [String: String] {
        var values: [String: String] = [:]
        for (address, _) in ServiceAddress.references(of: spec) {
            switch address.part {
            case .host:
                values[address.variable] = "127.0.0.1"
            case .port:
                let slots = services[address.service]?.current.sorted { $0.index < $1.index } ?? []
                if let port = slots.lazy.compactMap(\.port).first {
                    values[address.variable] = String(port)
                } else if case .base(let base)? = services[address.service]?.spec.port {
                    values[address.variable] = String(base)
                }
            }
        }
        return values
    }
}
