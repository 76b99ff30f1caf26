import BerthHooks

extension Supervisor {
    /// Starts delivering the manifest's hooks (project-wide and per service) from the event stream, once.
    func startHooks() {
        guard hookRunner == nil else { return }
        let hooks = manifest.hooks + manifest.services.keys.sorted().flatMap { manifest.services[$0]!.hooks }
        guard !hooks.isEmpty else { return }
        // berthd's environment, less what replicas never get either: the variables secrets (or the TLS key path)
        // come from and berthd's own control variables.
        let withheld = manifest.withheldVariables.union(Self.daemonVariables)
        var environment = configuration.baseEnvironment.filter { !withheld.contains($0.key) }
        // Marked like replicas: `berth down` ends a hook that is still running with the rest.
        environment["BERTH_INSTANCE"] = configuration.instanceID
        environment["BERTH_PROJECT"] = manifest.project
        let runner = HookRunner(hooks: hooks, project: manifest.project, processes: processes,
            environment: environment, directory: manifest.directory, logger: logger)
        hookRunner = runner
        let stream = events.subscribe(tail: 0)
        Task {
            await runner.run(stream)
        }
    }
}
