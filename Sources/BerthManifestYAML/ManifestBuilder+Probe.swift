public import BerthManifest
import Yams

extension ManifestBuilder {
    /// A `ready:` or `health:` probe; nil (with diagnostics) when its check is missing or ambiguous.
    func probe(
        _ node: Node,
        key: String,
        service: String,
        port: PortMode,
        health: Bool,
        keyLocations: inout [String: SourceLocation]
    ) -> ProbeSpec? {
        guard
            let reader = MappingReader(
                node, key: key, section: ManifestSchema.probe,
                owner: "'\(key)' of service '\(service)'", context: context)
        else { return nil }
        keyLocations.merge(reader.keyLocations(prefix: key)) { _, new in new }
        let interval = reader.duration("interval", positive: true)
        let timeout = reader.duration("timeout", positive: true)
        let failureThreshold = reader.int("failure_threshold", minimum: 1)
        let successThreshold = reader.int("success_threshold", minimum: 1)
        let initialDelay = reader.duration("initial_delay")

        if !health, reader["gateway_failures"] != nil {
            context.error(
                "'gateway_failures' belongs in 'health' (a liveness signal), not in '\(key)'",
                at: reader.keyNode("gateway_failures"))
        }
        let tcpFlag = reader.bool("tcp")
        let notifyFlag = reader.bool("notify")
        let grpcCheck = grpcProbe(reader, key: key)
        let present = ManifestSchema.probeChecks.filter { check in
            switch check {
            case "tcp": tcpFlag == true
            case "notify": notifyFlag == true
            case "grpc": grpcCheck != nil
            default: reader[check] != nil
            }
        }
        guard present.count == 1, let name = present.first else {
            if present.isEmpty, health, reader["gateway_failures"] != nil {
                return nil  // `health: { gateway_failures: N }` alone: no probe, only the gateway's verdict.
            }
            if present.isEmpty {
                let tcpAlreadyReported = reader["tcp"] != nil && tcpFlag == nil
                let notifyAlreadyReported = reader["notify"] != nil && notifyFlag == nil
                let grpcAlreadyReported = reader["grpc"] != nil && reader["grpc"]?.text?.lowercased() != "false"
                if !tcpAlreadyReported, !notifyAlreadyReported, !grpcAlreadyReported {
                    let choices = health ? "http, tcp, grpc, exec or watchdog" : "http, tcp, grpc, exec or notify"
                    context.error("'\(key)' must have one of \(choices)", at: node)
                }
            } else {
                let list = present.joined(separator: " and ")
                context.error(
                    "'\(key)' must have exactly one of http, tcp, grpc, exec, notify or watchdog, got \(list)",
                    at: reader.keyNode(present[1]))
            }
            return nil
        }
        let check: ProbeSpec.Check
        switch name {
        case "http":
            guard let path = reader.string("http") else { return nil }
            guard path.hasPrefix("/") else {
                context.error("'\(key).http' must be a path starting with '/', got '\(path)'", at: reader["http"])
                return nil
            }
            guard requestPath(path, key: "\(key).http", at: reader["http"]) else { return nil }
            check = .http(path: path)
        case "tcp":
            check = .tcp
        case "grpc":
            guard let grpcCheck else { return nil }
            check = grpcCheck
        case "notify":
            guard !health else {
                context.error(
                    "'health' cannot use notify (readiness); for liveness use watchdog: DURATION "
                        + "(sd_notify WATCHDOG=1 pings)", at: reader.keyNode("notify"))
                return nil
            }
            check = .notify
        case "watchdog":
            guard health else {
                context.error(
                    "'ready' cannot use watchdog (liveness); for readiness use notify: true "
                        + "(sd_notify READY=1)", at: reader.keyNode("watchdog"))
                return nil
            }
            guard let limit = reader.duration("watchdog", positive: true) else { return nil }
            check = .watchdog(limit)
        default:
            guard let words = command(reader["exec"]!, key: "exec") else { return nil }
            check = .exec(words)
        }
        if port == .none, name == "http" || name == "tcp" || name == "grpc" {
            context.error(
                "'\(key)' uses \(name) but service '\(service)' has no port; set port: auto or a base port",
                at: reader.keyNode(name))
        }
        var spec = ProbeSpec(
            check: check,
            interval: interval
                ?? (health ? ManifestSchema.Defaults.healthInterval : ManifestSchema.Defaults.readyInterval),
            timeout: timeout ?? (health ? ManifestSchema.Defaults.healthTimeout : ManifestSchema.Defaults.readyTimeout),
            failureThreshold: failureThreshold ?? ManifestSchema.Defaults.failureThreshold,
            successThreshold: successThreshold ?? ManifestSchema.Defaults.successThreshold,
            initialDelay: initialDelay ?? ManifestSchema.Defaults.initialDelay
        )
        spec.keepAlive = probeKeepAlive(reader, key: key, check: check)
        return spec
    }

    /// `health.gateway_failures` (read apart from the probe: it may stand alone, without a check).
    func gatewayFailures(_ node: Node) -> Int? {
        guard case .mapping(let mapping) = node,
            let entry = mapping.first(where: { $0.key.text == "gateway_failures" })
        else { return nil }
        guard let text = entry.value.text, let value = Int(text) else {
            context.error("'gateway_failures' must be an integer, got \(entry.value.summary)", at: entry.value)
            return nil
        }
        guard value >= 1 else {
            context.error("'gateway_failures' must be >= 1, got \(value)", at: entry.value)
            return nil
        }
        return value
    }
}
