import BerthControlProtocol
import BerthManifest

/// The watch runners in use, their tasks and the specs they were made for (a reload that changes one swaps it).
struct WatchDelivery: Sendable {
    var specs: [String: WatchSpec] = [:]
    var builds: [String: BuildSpec] = [:]
    var tasks: [String: Task<Void, Never>] = [:]
}

extension Supervisor {
    /// Starts a watcher for each service with `watch:`; after a reload, replaces those whose `watch:` or `build:`
    /// changed and stops those of services that lost it (a build in flight is killed with its watcher).
    func startWatches() {
        let watched = manifest.services.filter { _, spec in
            guard let watch = spec.watch, spec.schedule == nil else { return false }
            return watch.enabled || configuration.watchRequested
        }
        for name in watchDelivery.tasks.keys.sorted() {
            let spec = watched[name]
            guard spec?.watch != watchDelivery.specs[name] || spec?.build != watchDelivery.builds[name] else {
                continue
            }
            watchDelivery.tasks.removeValue(forKey: name)?.cancel()
            watchDelivery.specs[name] = nil
            watchDelivery.builds[name] = nil
        }
        let withheld = manifest.withheldVariables.union(Self.daemonVariables)
        var environment = configuration.baseEnvironment.filter { !withheld.contains($0.key) }
        // Marked like replicas: `berth down` ends a build that is still running with the rest.
        environment["BERTH_INSTANCE"] = configuration.instanceID
        environment["BERTH_PROJECT"] = manifest.project
        for name in watched.keys.sorted() where watchDelivery.tasks[name] == nil {
            let spec = watched[name]!
            var variables = environment
            if spec.user != nil {
                variables.merge(Self.accountEnvironment(user: spec.user)) { _, account in account }
            }
            let runner = WatchRunner(
                service: name, spec: spec.watch!, build: spec.build,
                account: (spec.user, spec.group), buildsDirectory: configuration.buildsDirectory,
                processes: processes, environment: variables, events: events,
                logs: logs, logger: logger,
                rollout: { [weak self] in
                    guard let self else { return .init(ok: false, message: "the daemon is stopping") }
                    do {
                        return try await self.perform(.restart(service: name, timeoutMilliseconds: nil))
                    } catch {
                        return .init(ok: false, message: (error as? ControlAPIError)?.message ?? "\(error)")
                    }
                })
            watchDelivery.specs[name] = spec.watch
            watchDelivery.builds[name] = spec.build
            watchDelivery.tasks[name] = Task { await runner.run() }
        }
    }
}
