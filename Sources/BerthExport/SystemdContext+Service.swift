import BerthManifest
import Foundation

extension SystemdContext {
    /// The template unit of a service; its instances differ only by their drop-in (`PORT`) and `%i`.
    mutating func templateUnit(_ service: ServiceSpec) -> String {
        warnAboutUnsupportedKeys(service)
        let oneshot = isOneshot(service)
        var unit = [
            "[Unit]",
            "Description=\(UnitText.escapeSpecifiers("\(manifest.project): \(service.name)")) (replica %i)",
            "PartOf=\(manifest.project).target",
        ]
        unit += dependencyLines(service)
        if service.restart.policy != .never {
            unit.append("StartLimitBurst=\(service.restart.giveUp.restarts + 1)")
            unit.append("StartLimitIntervalSec=\(UnitText.timeSpan(service.restart.giveUp.within))")
        }
        var body = ["", "[Service]", "Type=" + (oneshot ? "oneshot" : service.notify ? "notify" : "exec")]
        // A timer starts a scheduled job again only once it is inactive: it must not remain active after its run.
        if oneshot, service.schedule == nil {
            body.append("RemainAfterExit=yes")
        }
        body.append("ExecStart=" + execStart(service))
        body.append("WorkingDirectory=" + UnitText.escapeSpecifiers(service.workdir))
        body += environmentLines(service).map { "Environment=" + $0 }
        if !service.secrets.isEmpty {
            // Not inline: unit files are world-readable (and shown by `systemctl cat`); the file is mode 0600.
            body.append("EnvironmentFile=" + UnitText.escapeSpecifiers(secretsInstallPath(service.name)))
        }
        body += restartLines(service)
        if let user = service.user {
            body.append("User=" + UnitText.escapeSpecifiers(user))
        }
        if let group = service.group {
            body.append("Group=" + UnitText.escapeSpecifiers(group))
        }
        body += resourceLines(service)
        if let health = service.health, case .watchdog(let limit) = health.check {
            body.append("WatchdogSec=\(UnitText.timeSpan(limit))")
        }
        body += [
            "KillMode=control-group",
            "KillSignal=\(service.stop.signalName)",
            "TimeoutStopSec=\(Self.stopTimeout(service.stop.timeout))",
        ]
        return (unit + body).joined(separator: "\n") + "\n"
    }

    /// systemd reads `TimeoutStopSec=0` as "no timeout" (it never sends SIGKILL), where Berth's `stop.timeout: 0s`
    /// sends SIGKILL right after the stop signal (audit4): the shortest span systemd takes says that.
    static func stopTimeout(_ timeout: Duration) -> String {
        timeout > .zero ? UnitText.timeSpan(timeout) : "1us"
    }

    /// Run-once services (restart never/on-failure) are oneshot units that stay "active" after a successful exit,
    /// so that `completed` dependents can order after them.
    func isOneshot(_ service: ServiceSpec) -> Bool {
        service.isJob
    }

    private func dependencyLines(_ service: ServiceSpec) -> [String] {
        var lines: [String] = []
        for name in service.dependsOn.keys.sorted() {
            guard let dependency = manifest.services[name] else { continue }
            for index in 0..<dependency.replicas {
                let instance = instanceName(name, index)
                lines += ["After=\(instance)", "Requires=\(instance)"]
            }
        }
        return lines
    }

    /// Berth's fixed variables, then the service's own without per-replica values (those are in the drop-ins).
    private func environmentLines(_ service: ServiceSpec) -> [String] {
        var lines = [
            "BERTH_SERVICE": UnitText.assignment("BERTH_SERVICE", service.name),
            "BERTH_PROJECT": UnitText.assignment("BERTH_PROJECT", manifest.project),
            "BERTH_REPLICA": "BERTH_REPLICA=%i",
            "BERTH_INSTANCE": "BERTH_INSTANCE=%n",
        ]
        for (name, value) in service.environment {
            lines[name] = ReplicaVariables.hasPlaceholders(value) ? nil : UnitText.assignment(name, value)
        }
        return lines.keys.sorted().map { lines[$0]! }
    }

    /// `ExecStart=` with the program resolved to an absolute path and per-replica variables as `${NAME}`.
    private mutating func execStart(_ service: ServiceSpec) -> String {
        var defined: Set<String> = ["BERTH_SERVICE", "BERTH_PROJECT", "BERTH_REPLICA", "BERTH_INSTANCE"]
        if service.port != .none {
            defined.insert("PORT")
        }
        var sentinels: [String: String] = [:]
        var values: [String: String] = [:]
        for name in defined {
            let marker = "\u{E002}\(name)\u{E003}"
            sentinels[marker] = "${\(name)}"
            values[name] = marker
        }
        values.merge(serviceAddressValues(service)) { own, _ in own }
        var words = service.command.map { ReplicaVariables.expand($0, values: values) }
        if let program = words.first {
            words[0] = absoluteProgram(program, service: service)
        }
        return words.map { UnitText.commandWord($0, sentinels: sentinels) }.joined(separator: " ")
    }

    private mutating func absoluteProgram(_ program: String, service: ServiceSpec) -> String {
        if program.hasPrefix("/") { return program }
        if program.contains("/") {
            return URL(fileURLWithPath: service.workdir + "/" + program).standardizedFileURL.path
        }
        if let path = options.resolveProgram(program) { return path }
        diagnostics.warning(
            "program '\(program)' of service '\(service.name)' is not on PATH here; ExecStart "
                + "names it without a path (systemd then looks in its own fixed search path)",
            at: service.location(of: "command"))
        return program
    }
}
