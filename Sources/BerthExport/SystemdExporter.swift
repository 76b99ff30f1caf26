public import BerthManifest

/// Turns a manifest into systemd units for one host: a template unit `PROJECT-SERVICE@.service` per service (the
/// instance is the replica index), a drop-in per instance with its `PORT`, and `PROJECT.target` that wants every
/// instance. Pure apart from `options.resolveProgram`.
public enum SystemdExporter {
    public static func export(_ manifest: Manifest, options: SystemdExportOptions = .init()) -> ExportResult {
        var context = SystemdContext(manifest: manifest, options: options)
        var files: [(name: String, contents: String)] = []
        var instances: [String] = []
        var privateFiles: Set<String> = []
        for name in manifest.services.keys.sorted() {
            let service = manifest.services[name]!
            files.append((context.templateName(name), context.templateUnit(service)))
            if let secrets = context.secretsFile(service) {
                files.append((context.secretsFileName(name), secrets))
                privateFiles.insert(context.secretsFileName(name))
            }
            if let timer = context.timerUnit(service) {
                files.append((context.timerTemplateName(name), timer))
            }
            for index in 0..<service.replicas {
                // A scheduled job's instances start by their timers, not with the project's target.
                instances.append(
                    service.schedule == nil
                        ? context.instanceName(name, index)
                        : context.timerInstanceName(name, index))
                if let dropIn = context.instanceDropIn(service, index: index) {
                    files.append((context.instanceName(name, index) + ".d/10-berth-replica.conf", dropIn))
                }
            }
        }
        if let gateway = manifest.gateway {
            context.diagnostics.warning(
                "the gateway is not exported to systemd (and BERTH_GATEWAY_URL is not "
                    + "set): put a reverse proxy such as nginx or Caddy in front of the services' ports",
                at: gateway.location)
        }
        files.append((manifest.project + ".target", targetUnit(manifest, instances: instances)))
        var result = context.diagnostics.result(files: files)
        result.privateFiles = privateFiles
        return result
    }

    private static func targetUnit(_ manifest: Manifest, instances: [String]) -> String {
        var lines = ["[Unit]", "Description=Berth project \(UnitText.escapeSpecifiers(manifest.project))"]
        lines += instances.map { "Wants=\($0)" }
        lines += ["", "[Install]", "WantedBy=multi-user.target"]
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The state of one systemd export: the manifest, the options and the diagnostics found so far.
struct SystemdContext {
    let manifest: Manifest
    let options: SystemdExportOptions
    var diagnostics: ExportDiagnostics

    init(manifest: Manifest, options: SystemdExportOptions) {
        self.manifest = manifest
        self.options = options
        self.diagnostics = ExportDiagnostics(file: manifest.file)
    }

    func templateName(_ service: String) -> String {
        "\(manifest.project)-\(service)@.service"
    }

    func instanceName(_ service: String, _ index: Int) -> String {
        "\(manifest.project)-\(service)@\(index).service"
    }

    /// Replica `index`'s port: `base + index`, or `container_port + index` for `auto` (systemd cannot pick one).
    func port(of service: ServiceSpec, index: Int) -> Int? {
        switch service.port {
        case .none: nil
        case .auto: service.containerPort + index
        case .base(let base): base + index
        }
    }

    /// `Environment=` lines of replica `index`: `PORT` and the service variables that use per-replica values.
    func instanceDropIn(_ service: ServiceSpec, index: Int) -> String? {
        var lines: [String] = []
        if let port = port(of: service, index: index) {
            lines.append("Environment=" + UnitText.assignment("PORT", String(port)))
        }
        let values = replicaValues(service, index: index)
        for name in service.environment.keys.sorted() {
            let value = service.environment[name]!
            guard ReplicaVariables.hasPlaceholders(value) else { continue }
            lines.append("Environment=" + UnitText.assignment(name, ReplicaVariables.expand(value, values: values)))
        }
        guard !lines.isEmpty else { return nil }
        return (["[Service]"] + lines).joined(separator: "\n") + "\n"
    }

    /// What the supervisor would give replica `index` (no `BERTH_GATEWAY_URL`: the gateway is not exported).
    func replicaValues(_ service: ServiceSpec, index: Int) -> [String: String] {
        var values = [
            "BERTH_SERVICE": service.name, "BERTH_PROJECT": manifest.project, "BERTH_REPLICA": String(index),
            "BERTH_INSTANCE": instanceName(service.name, index),
        ]
        if let port = port(of: service, index: index) {
            values["PORT"] = String(port)
        }
        values.merge(serviceAddressValues(service)) { own, _ in own }
        return values
    }
}
