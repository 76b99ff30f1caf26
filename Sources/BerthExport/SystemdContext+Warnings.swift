import BerthManifest

extension SystemdContext {
    /// Keys the manifest spells out that systemd units cannot carry: each a warning at its line.
    mutating func warnAboutUnsupportedKeys(_ service: ServiceSpec) {
        let name = service.name
        if let ready = service.ready, ready.check != .notify {
            diagnostics.warning(
                "systemd has no readiness probes: ready of service '\(name)' is not exported; have "
                    + "the service send READY=1 with sd_notify and set notify: true", at: service.location(of: "ready"))
        }
        if let health = service.health, !health.isWatchdog {
            diagnostics.warning(
                "systemd has no liveness probes: health of service '\(name)' is not exported; use "
                    + "WatchdogSec= with sd_notify WATCHDOG=1", at: service.location(of: "health"))
        }
        if service.gatewayFailures != nil {
            // It was dropped without a word (audit4): a liveness signal the manifest relies on must be named.
            diagnostics.warning(
                "systemd sees no requests: health.gateway_failures of service '\(name)' is not exported; use "
                    + "WatchdogSec= with sd_notify WATCHDOG=1", at: service.location(of: "health.gateway_failures"))
        }
        if service.envInherit != .standard {
            diagnostics.warning(
                "systemd units inherit no environment from a shell: env_inherit of service '\(name)' "
                    + "is not exported; set the variables with env (or PassEnvironment= for the service manager's own)",
                at: service.location(of: "env_inherit"))
        }
        if service.port == .auto {
            diagnostics.warning(
                "systemd cannot pick free ports: port: auto of service '\(name)' becomes "
                    + "container_port + replica (\(service.containerPort), \(service.containerPort + 1), ...)",
                at: service.location(of: "port"))
        }
        if service.has("restart.backoff.jitter") {
            diagnostics.warning(
                "systemd has no restart jitter: restart.backoff.jitter of service '\(name)' is not "
                    + "exported", at: service.location(of: "restart.backoff.jitter"))
        }
        if service.has("restart.reset_after") {
            diagnostics.warning(
                "systemd resets its restart count only when the start-limit window passes: "
                    + "restart.reset_after of service '\(name)' is not exported",
                at: service.location(of: "restart.reset_after"))
        }
        for dependency in service.dependsOn.keys.sorted() {
            guard let other = manifest.services[dependency] else { continue }
            let condition = service.dependsOn[dependency]!
            let location = service.location(of: "depends_on." + dependency)
            if condition == .ready, !other.notify, !isOneshot(other) {
                diagnostics.warning(
                    "systemd orders '\(name)' after '\(dependency)' has started, not after it is "
                        + "ready: set notify: true on '\(dependency)' (sd_notify) to wait for readiness", at: location)
            }
            if condition == .completed, !isOneshot(other) {
                diagnostics.warning(
                    "'\(dependency)' restarts always, so it is not a oneshot unit: '\(name)' is "
                        + "ordered after it has started, not after it completed", at: location)
            }
        }
    }
}
