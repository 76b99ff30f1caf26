import BerthHooks

extension Supervisor {
    /// Starts delivering the manifest's hooks (project-wide and per service) from the event stream, once.
    func startHooks() {
        guard hookRunner == nil else { return }
        let hooks = manifest.hooks + manifest.services.keys.sorted().flatMap { manifest.services[$0]!.hooks }
        guard !hooks.isEmpty else { return }
        var environment = configuration.baseEnvironment
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
