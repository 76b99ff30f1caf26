import BerthManifest

extension KubernetesContext {
    /// `ready` -> readinessProbe, `health` -> livenessProbe; timings in whole seconds (rounded up, with a warning).
    mutating func probe(_ spec: ProbeSpec, key: String, service: ServiceSpec) -> YAMLNode {
        var probe: [String: YAMLNode] = [
            "periodSeconds": .int(
                max(
                    1,
                    roundedSeconds(
                        spec.interval, service: service, key: key + ".interval",
                        target: "periodSeconds"))),
            "timeoutSeconds": .int(
                max(
                    1,
                    roundedSeconds(
                        spec.timeout, service: service, key: key + ".timeout",
                        target: "timeoutSeconds"))),
            "failureThreshold": .int(spec.failureThreshold),
            "successThreshold": .int(spec.successThreshold),
            "initialDelaySeconds": .int(
                roundedSeconds(
                    spec.initialDelay, service: service,
                    key: key + ".initial_delay", target: "initialDelaySeconds")),
        ]
        if key == "health", spec.successThreshold != 1 {
            diagnostics.warning(
                "Kubernetes requires successThreshold 1 for liveness probes; "
                    + "health.success_threshold \(spec.successThreshold) is exported as 1",
                at: service.location(of: "health.success_threshold"))
            probe["successThreshold"] = .int(1)
        }
        switch spec.check {
        case .http(let path):
            probe["httpGet"] = .mapping(["path": .string(path), "port": .string(KubernetesNames.portName)])
        case .tcp:
            probe["tcpSocket"] = .mapping(["port": .string(KubernetesNames.portName)])
        case .exec(let words):
            probe["exec"] = .mapping(["command": .sequence(execWords(words, key: key, service: service))])
        case .grpc(let name):
            probe["grpc"] = grpcAction(name: name, service: service)
        case .notify, .watchdog:
            break  // Not exported (the caller skips them; see warnAboutUnsupportedKeys).
        }
        return .mapping(probe)
    }

    /// Exec probes get no `$(NAME)` expansion in Kubernetes, so only the fixed values can be filled in.
    private mutating func execWords(_ words: [String], key: String, service: ServiceSpec) -> [YAMLNode] {
        let values = fixedValues(service)
        return words.map { word in
            let text = ReplicaVariables.expand(
                word,
                values: values.merging([
                    "BERTH_REPLICA": "${BERTH_REPLICA}", "BERTH_INSTANCE": "${BERTH_INSTANCE}",
                ]) { old, _ in old })
            if ReplicaVariables.hasPlaceholders(word), text.contains("${BERTH_") {
                diagnostics.warning(
                    "the \(key) exec probe of service '\(service.name)' uses a per-pod variable, "
                        + "which Kubernetes does not expand in exec probes; run it through sh -c to read it from "
                        + "the environment", at: service.location(of: key + ".exec"))
            }
            return .string(text)
        }
    }

    /// `duration` in whole seconds, rounded up; warns when that changes a value the manifest spells out.
    mutating func roundedSeconds(_ duration: Duration, service: ServiceSpec, key: String, target: String) -> Int {
        let seconds = duration.wholeSecondsRoundedUp
        let minimum = target == "periodSeconds" || target == "timeoutSeconds" ? 1 : 0
        if service.has(key), !duration.isWholeSeconds || seconds < minimum {
            diagnostics.warning(
                "Kubernetes counts \(target) in whole seconds: \(key) "
                    + "\(DurationText.format(duration)) is exported as \(max(seconds, minimum))s",
                at: service.location(of: key))
        }
        return seconds
    }
}
