import BerthManifest

extension KubernetesContext {
    /// A Deployment plus a Service (when it listens), or a Job for a one-shot service; empty after an error.
    mutating func objects(for service: ServiceSpec) -> [YAMLNode] {
        warnAboutUnsupportedKeys(service)
        guard let image = service.image else {
            diagnostics.error(
                "service '\(service.name)' has no image: (needed for the Kubernetes export)",
                at: service.location)
            return []
        }
        let name = KubernetesNames.objectName(service.name)
        if service.isJob {
            guard service.replicas > 0 else {
                diagnostics.warning(
                    "service '\(service.name)' has replicas: 0; its Job is not exported",
                    at: service.location(of: "replicas"))
                return []
            }
            let secrets = secretObject(service).map { [$0] } ?? []
            let job = job(service, name: name, image: image)
            if let schedule = service.schedule {
                return secrets + (cronJob(service, schedule, job: job).map { [$0] } ?? [])
            }
            return secrets + [job]
        }
        let secrets = secretObject(service).map { [$0] } ?? []
        let labels = KubernetesNames.labels(project: project, service: service.name, component: "service")
        let deployment: YAMLNode = .mapping([
            "apiVersion": .string("apps/v1"),
            "kind": .string("Deployment"),
            "metadata": metadata(name: name, labels: labels),
            "spec": .mapping([
                "replicas": .int(service.replicas),
                "selector": .mapping([
                    "matchLabels": .mapping(
                        KubernetesNames.selector(
                            project: project,
                            service: service.name))
                ]),
                "strategy": .mapping([
                    "type": .string("RollingUpdate"),
                    "rollingUpdate": .mapping([
                        "maxSurge": .int(service.rollout.maxSurge),
                        "maxUnavailable": .int(service.rollout.maxUnavailable),
                    ]),
                ]),
                "template": podTemplate(service, image: image, labels: labels, restartPolicy: nil),
            ]),
        ])
        guard containerPort(of: service) != nil else { return secrets + [deployment] }
        let serviceObject: YAMLNode = .mapping([
            "apiVersion": .string("v1"),
            "kind": .string("Service"),
            "metadata": metadata(name: name, labels: labels),
            "spec": .mapping([
                "selector": .mapping(KubernetesNames.selector(project: project, service: service.name)),
                "ports": .sequence([
                    .mapping(
                        [
                            "name": .string(KubernetesNames.portName),
                            "port": .int(KubernetesNames.servicePort),
                            "protocol": .string("TCP"),
                            "targetPort": .string(KubernetesNames.portName),
                        ].merging(appProtocol(service)) { _, new in new })
                ]),
            ]),
        ])
        return secrets + [deployment, serviceObject]
    }

    /// An Indexed Job: `replicas` completions in parallel, each pod knowing its index as `BERTH_REPLICA`.
    mutating func job(_ service: ServiceSpec, name: String, image: String) -> YAMLNode {
        let labels = KubernetesNames.labels(project: project, service: service.name, component: "job")
        let never = service.restart.policy == .never
        return .mapping([
            "apiVersion": .string("batch/v1"),
            "kind": .string("Job"),
            "metadata": metadata(name: name, labels: labels),
            "spec": .mapping([
                "backoffLimit": .int(never ? 0 : service.restart.giveUp.restarts),
                "completionMode": .string("Indexed"),
                "completions": .int(service.replicas),
                "parallelism": .int(service.replicas),
                "template": podTemplate(
                    service, image: image, labels: labels,
                    restartPolicy: never ? "Never" : "OnFailure"),
            ]),
        ])
    }

    private mutating func podTemplate(
        _ service: ServiceSpec,
        image: String,
        labels: [String: YAMLNode],
        restartPolicy: String?
    ) -> YAMLNode {
        var spec: [String: YAMLNode] = [
            "containers": .sequence([container(service, image: image)]),
            "terminationGracePeriodSeconds": .int(
                roundedSeconds(
                    service.stop.timeout, service: service,
                    key: "stop.timeout", target: "terminationGracePeriodSeconds")),
        ]
        if let restartPolicy {
            spec["restartPolicy"] = .string(restartPolicy)
        }
        return .mapping(["metadata": .mapping(["labels": .mapping(labels)]), "spec": .mapping(spec)])
    }

    private mutating func container(_ service: ServiceSpec, image: String) -> YAMLNode {
        let words = service.command.map { podText($0, service: service) }
        var container: [String: YAMLNode] = [
            "name": .string(KubernetesNames.objectName(service.name)),
            "image": .string(image),
            "env": .sequence(environment(service)),
        ]
        if let program = words.first {
            container["command"] = .sequence([.string(program)])
        }
        if words.count > 1 {
            container["args"] = .sequence(words.dropFirst().map(YAMLNode.string))
        }
        if let port = containerPort(of: service) {
            container["ports"] = .sequence([
                .mapping([
                    "containerPort": .int(port),
                    "name": .string(KubernetesNames.portName),
                    "protocol": .string("TCP"),
                ])
            ])
        }
        if let ready = service.ready, ready.check != .notify {
            container["readinessProbe"] = probe(ready, key: "ready", service: service)
        }
        if let health = service.health, !health.isWatchdog {
            container["livenessProbe"] = probe(health, key: "health", service: service)
        }
        container["resources"] = resources(service)
        return .mapping(container)
    }

    /// The port the container listens on: the base port (every pod has its own IP), or `container_port` for auto.
    func containerPort(of service: ServiceSpec) -> Int? {
        switch service.port {
        case .none: nil
        case .auto: service.containerPort
        case .base(let base): base
        }
    }
}
