import BerthManifest

extension KubernetesContext {
    /// One Ingress named after the project: a rule per host (the host-less rule first), paths in manifest order.
    mutating func ingress(_ gateway: GatewaySpec) -> YAMLNode {
        var hosts: [String?] = []
        var paths: [String: [YAMLNode]] = [:]
        for route in gateway.routes {
            if route.stripPrefix {
                diagnostics.warning(
                    "an Ingress cannot strip a path prefix: the route \(route.path) -> "
                        + "\(route.service) forwards the full path; use --gateway-api (URLRewrite) or your ingress "
                        + "controller's rewrite annotation", at: route.location)
            }
            let key = route.host ?? ""
            if paths[key] == nil {
                hosts.append(route.host)
            }
            paths[key, default: []].append(
                .mapping([
                    "path": .string(route.path),
                    "pathType": .string("Prefix"),
                    "backend": .mapping([
                        "service": .mapping([
                            "name": .string(KubernetesNames.objectName(route.service)),
                            "port": .mapping(["number": .int(KubernetesNames.servicePort)]),
                        ])
                    ]),
                ]))
        }
        let ordered = hosts.filter { $0 == nil } + hosts.compactMap { $0 }.sorted()
        let rules: [YAMLNode] = ordered.map { host in
            var rule: [String: YAMLNode] = ["http": .mapping(["paths": .sequence(paths[host ?? ""]!)])]
            if let host {
                rule["host"] = .string(host)
            }
            return .mapping(rule)
        }
        return .mapping([
            "apiVersion": .string("networking.k8s.io/v1"),
            "kind": .string("Ingress"),
            "metadata": metadata(name: KubernetesNames.objectName(project), labels: gatewayLabels),
            "spec": .mapping(["rules": .sequence(rules)]),
        ])
    }

    /// One HTTPRoute per host (`PROJECT` for routes without a host, `PROJECT-HOST` otherwise), attached to the
    /// named Gateway; `strip_prefix` becomes a URLRewrite filter that replaces the matched prefix with `/`.
    func httpRoutes(_ gateway: GatewaySpec, gatewayName: String) -> [YAMLNode] {
        var hosts: [String?] = []
        var rules: [String: [YAMLNode]] = [:]
        for route in gateway.routes {
            let key = route.host ?? ""
            if rules[key] == nil {
                hosts.append(route.host)
            }
            var rule: [String: YAMLNode] = [
                "matches": .sequence([
                    .mapping([
                        "path": .mapping([
                            "type": .string("PathPrefix"), "value": .string(route.path),
                        ])
                    ])
                ]),
                "backendRefs": .sequence([
                    .mapping([
                        "name": .string(KubernetesNames.objectName(route.service)),
                        "port": .int(KubernetesNames.servicePort),
                    ])
                ]),
            ]
            if route.stripPrefix, route.path != "/" {
                rule["filters"] = .sequence([
                    .mapping([
                        "type": .string("URLRewrite"),
                        "urlRewrite": .mapping([
                            "path": .mapping([
                                "type": .string("ReplacePrefixMatch"), "replacePrefixMatch": .string("/"),
                            ])
                        ]),
                    ])
                ])
            }
            rules[key, default: []].append(.mapping(rule))
        }
        let ordered = hosts.filter { $0 == nil } + hosts.compactMap { $0 }.sorted()
        let base = KubernetesNames.objectName(project)
        let names = KubernetesNames.distinct(
            ordered.map { host in
                host.map { KubernetesNames.objectName(base + "-" + $0) } ?? base
            })
        return zip(ordered, names).map { host, name in
            var spec: [String: YAMLNode] = [
                "parentRefs": .sequence([.mapping(["name": .string(gatewayName)])]),
                "rules": .sequence(rules[host ?? ""]!),
            ]
            if let host {
                spec["hostnames"] = .sequence([.string(host)])
            }
            return .mapping([
                "apiVersion": .string("gateway.networking.k8s.io/v1"),
                "kind": .string("HTTPRoute"),
                "metadata": metadata(name: name, labels: gatewayLabels),
                "spec": .mapping(spec),
            ])
        }
    }

    private var gatewayLabels: [String: YAMLNode] {
        KubernetesNames.labels(project: project, service: "gateway", component: "gateway")
    }
}
