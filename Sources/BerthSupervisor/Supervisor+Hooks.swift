import BerthHooks

/// The hook runner in use, the task that feeds it and the hooks it was made for (a reload that changes them swaps it).
struct HookDelivery: Sendable {
    var hooks: [HookSpec] = []
    var runner: HookRunner?
    var task: Task<Void, Never>?
}

extension Supervisor {
    /// Starts delivering the manifest's hooks (project-wide and per service) from the event stream; after a reload
    /// that changed them, replaces the runner (an attempt in flight finishes on its own, bounded by its timeout).
    func startHooks() {
        let hooks = manifest.hooks + manifest.services.keys.sorted().flatMap { manifest.services[$0]!.hooks }
        guard hooks != hookDelivery.hooks || (hookDelivery.runner == nil && !hooks.isEmpty) else { return }
        hookDelivery.task?.cancel()
        hookDelivery = HookDelivery(hooks: hooks)
        guard !hooks.isEmpty else { return }
        // berthd's environment, less what replicas never get either: the variables secrets (or the TLS key path)
        // come from and berthd's own control variables.
        let withheld = manifest.withheldVariables.union(Self.daemonVariables)
        var environment = configuration.baseEnvironment.filter { !withheld.contains($0.key) }
        // Marked like replicas: `berth down` ends a hook that is still running with the rest.
        environment["BERTH_INSTANCE"] = configuration.instanceID
        environment["BERTH_PROJECT"] = manifest.project
        let runner = HookRunner(
            hooks: hooks, project: manifest.project, processes: processes,
            environment: environment, directory: manifest.directory, logger: logger)
        let stream = events.subscribe(tail: 0)
        hookDelivery.runner = runner
        hookDelivery.task = Task {
            await runner.run(stream)
        }
    }
}
