import BerthManifest

extension KubernetesContext {
    /// Keys the manifest spells out that Kubernetes objects cannot carry: each a warning at its line.
    mutating func warnAboutUnsupportedKeys(_ service: ServiceSpec) {
        let name = service.name
        for key in ["user", "group"] where service.has(key) {
            diagnostics.warning(
                "Kubernetes runs containers by numeric ID: '\(key)' of service '\(name)' is not "
                    + "exported; set securityContext.runAs\(key == "user" ? "User" : "Group") in the pod spec",
                at: service.location(of: key))
        }
        if service.envInherit != .standard {
            diagnostics.warning(
                "containers inherit no environment from a shell: env_inherit of service '\(name)' "
                    + "is not exported; set the variables with env (or a ConfigMap)",
                at: service.location(of: "env_inherit"))
        }
        if service.has("depends_on") {
            let names = service.dependsOn.keys.sorted().joined(separator: ", ")
            diagnostics.warning(
                "Kubernetes has no start order: depends_on (\(names)) of service '\(name)' is not "
                    + "exported; use an init container that waits for it, or make the service retry until its "
                    + "dependencies are ready (readiness probes keep it out of traffic meanwhile)",
                at: service.location(of: "depends_on"))
        }
        if service.has("restart.backoff") {
            diagnostics.warning(
                "Kubernetes restarts containers with its own back-off (10s doubling up to 5m): "
                    + "restart.backoff of service '\(name)' is not exported",
                at: service.location(of: "restart.backoff"))
        }
        if service.has("restart.reset_after") {
            diagnostics.warning(
                "Kubernetes resets its restart back-off on its own schedule: restart.reset_after "
                    + "of service '\(name)' is not exported", at: service.location(of: "restart.reset_after"))
        }
        if service.has("restart.give_up") {
            let message =
                service.isJob
                ? "a Job retries up to backoffLimit times without a time window: restart.give_up.within of "
                    + "service '\(name)' is not exported (give_up.restarts becomes backoffLimit)"
                : "Kubernetes never gives up restarting a Deployment's pods: restart.give_up of service '\(name)' "
                    + "is not exported"
            diagnostics.warning(message, at: service.location(of: "restart.give_up"))
        }
        if service.stop.signal != ManifestSchema.Defaults.stopSignal {
            diagnostics.warning(
                "Kubernetes stops containers with SIGTERM (or the image's STOPSIGNAL): stop.signal "
                    + "\(service.stop.signalName) of service '\(name)' is not exported; set STOPSIGNAL "
                    + "\(service.stop.signalName) in the image", at: service.location(of: "stop.signal"))
        }
        if service.has("workdir") {
            diagnostics.warning(
                "workdir of service '\(name)' is a path on this machine and is not exported; "
                    + "set WORKDIR in the image", at: service.location(of: "workdir"))
        }
        if service.notify {
            diagnostics.warning(
                "Kubernetes does not read sd_notify readiness: notify of service '\(name)' is not "
                    + "exported; add a ready: probe", at: service.location(of: "notify"))
        }
        if let health = service.health, health.isWatchdog {
            diagnostics.warning(
                "Kubernetes does not read sd_notify watchdog pings: health.watchdog of service "
                    + "'\(name)' is not exported; add an http, tcp or exec health probe",
                at: service.location(of: "health.watchdog"))
        }
        if service.gatewayFailures != nil {
            // It was dropped without a word (audit4): a liveness signal the manifest relies on must be named.
            diagnostics.warning(
                "Kubernetes does not restart a pod for requests that fail at the ingress: health.gateway_failures "
                    + "of service '\(name)' is not exported; add an http, tcp or exec health probe",
                at: service.location(of: "health.gateway_failures"))
        }
    }
}
