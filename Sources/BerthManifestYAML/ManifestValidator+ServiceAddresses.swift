public import BerthManifest

extension ManifestValidator {
    /// `${services.NAME.port}` and `${services.NAME.host}` name a service that exists, listens on a port, and is
    /// started before the service that refers to it (`depends_on`), so that its port is known then.
    func checkServiceAddresses() {
        for name in services.keys.sorted() {
            let spec = services[name]!
            var reported: Set<String> = []
            for (address, key) in ServiceAddress.references(of: spec) where reported.insert(address.service).inserted {
                let location = spec.keyLocations[key] ?? spec.location
                guard let target = services[address.service] else {
                    let hint = context.hint(for: address.service, among: services.keys.sorted())
                    context.error(
                        "'${\(address.variable)}' of service '\(name)' names unknown service "
                            + "'\(address.service)'\(hint)", at: location)
                    continue
                }
                if target.port == .none {
                    context.error(
                        "'${\(address.variable)}' of service '\(name)': service '\(address.service)' has "
                            + "no port; set port: auto or a base port", at: location)
                } else if spec.dependsOn[address.service] == nil {
                    context.error(
                        "'${\(address.variable)}' of service '\(name)' needs 'depends_on: "
                            + "[\(address.service)]' so that its port is known when \(name) starts", at: location)
                }
            }
        }
    }
}
