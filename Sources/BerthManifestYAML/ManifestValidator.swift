public import BerthManifest

/// The checks that need the whole manifest: routes, dependencies, cycles and port clashes.
struct ManifestValidator {
    let context: LoadContext
    let services: [String: ServiceSpec]
    let gateway: GatewayDraft?

    /// Reports every cross-reference problem and returns the start order.
    mutating func validate() -> [String] {
        checkRoutes()
        let graph = checkDependencies()
        checkPorts()
        checkServiceAddresses()
        for cycle in graph.cycles() {
            let location = services[cycle[0]]?.keyLocations["depends_on." + cycle[1]]
            context.error("dependency cycle: " + cycle.joined(separator: " -> "), at: location)
        }
        return graph.startOrder()
    }

    private func checkRoutes() {
        guard let gateway else { return }
        var seen: [String: SourceLocation?] = [:]
        for (index, route) in gateway.spec.routes.enumerated() {
            let serviceLocation = gateway.routeServiceLocations[index]
            if let service = services[route.service] {
                if service.port == .none {
                    context.error(
                        "service '\(route.service)' has no port; set port: auto or a base port",
                        at: serviceLocation)
                }
            } else {
                let hint = context.hint(for: route.service, among: services.keys.sorted())
                context.error(
                    "route '\(route.path)' points at unknown service '\(route.service)'\(hint)",
                    at: serviceLocation)
            }
            let key = (route.host ?? "") + " " + route.path
            if let first = seen[key] {
                let where_ = first.map { " (first defined at line \($0.line))" } ?? ""
                let host = route.host.map { " for host '\($0)'" } ?? ""
                context.error(
                    "duplicate route path '\(route.path)'\(host)\(where_)",
                    at: gateway.routePathLocations[index])
            } else {
                seen[key] = gateway.routePathLocations[index]
            }
        }
    }

    private func checkDependencies() -> DependencyGraph {
        var graph = DependencyGraph(dependencies: [:])
        let names = services.keys.sorted()
        for name in names {
            let service = services[name]!
            var valid: Set<String> = []
            for (dependency, condition) in service.dependsOn.sorted(by: { $0.key < $1.key }) {
                let location = service.keyLocations["depends_on." + dependency]
                if dependency == name {
                    context.error("service '\(name)' depends on itself", at: location)
                    continue
                }
                guard let target = services[dependency] else {
                    let hint = context.hint(for: dependency, among: names.filter { $0 != name })
                    context.error("service '\(name)' depends on unknown service '\(dependency)'\(hint)", at: location)
                    continue
                }
                if condition == .completed, target.restart.policy == .always {
                    context.error(
                        "service '\(name)' waits for '\(dependency)' to complete, but '\(dependency)' has "
                            + "restart policy 'always' and never completes; set its restart policy to on-failure or never",
                        at: location)
                }
                if target.replicas == 0 {
                    // Found by the fourth outside audit (audit4): `up -d` then waited its whole timeout, saying only
                    // "waiting for a (ready)"; the dependent starts once the dependency is scaled up.
                    context.warning(
                        "service '\(name)' waits for '\(dependency)' (\(condition.rawValue)), which has replicas: 0; "
                            + "'\(name)' starts only once '\(dependency)' is scaled up (berth scale \(dependency)=1)",
                        at: location)
                }
                valid.insert(dependency)
            }
            graph.dependencies[name] = valid
        }
        return graph
    }

    private func checkPorts() {
        let ranges: [(name: String, range: ClosedRange<Int>)] = services.keys.sorted().compactMap { name in
            guard case .base(let base) = services[name]!.port else { return nil }
            return (name, base...(base + max(services[name]!.replicas, 1) - 1))
        }
        for (index, current) in ranges.enumerated() {
            let location = services[current.name]?.keyLocations["port"]
            for earlier in ranges[..<index] where earlier.range.overlaps(current.range) {
                context.error(
                    "port range \(Self.text(current.range)) of service '\(current.name)' overlaps port range "
                        + "\(Self.text(earlier.range)) of service '\(earlier.name)'", at: location)
            }
            for address in gateway?.spec.listen ?? [] where current.range.contains(address.port) {
                context.error(
                    "port range \(Self.text(current.range)) of service '\(current.name)' overlaps gateway "
                        + "listen address \(address)", at: location)
            }
        }
    }

    private static func text(_ range: ClosedRange<Int>) -> String {
        "\(range.lowerBound)..\(range.upperBound)"
    }
}
