import BerthControlProtocol
import BerthManifest
import Glibc

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Supervisor {
    /// `berth reload`: re-reads and validates the manifest, then applies the difference (see `ManifestDiff`):
    /// routes swap at once, new services start in dependency order, changed ones roll, removed ones drain and stop,
    /// and the rest runs on undisturbed. An invalid manifest or a refused change changes nothing.
    ///
    /// `${...}` take their values from the caller's environment when the request carries it (`berth reload` sends
    /// the variables the manifest reads), as `berth up` did: the daemon's own environment is that of the `berth up`
    /// that started it, possibly days ago.
    func reload(_ request: ReloadRequest) async throws(ControlAPIError) -> OperationResponse {
        let path = request.file ?? manifest.file
        guard let resolver = configuration.manifestResolver else {
            throw ControlAPIError.internalError("this daemon cannot read manifests; nothing changed")
        }
        let edited: Manifest
        do {
            edited = try await resolver.resolve(
                file: path, environment: request.environment ?? configuration.baseEnvironment)
        } catch ManifestResolveError.invalid(let diagnostics) {
            throw ControlAPIError(
                status: 422, code: "invalid_manifest",
                message: "the manifest is invalid; nothing changed\n\(diagnostics)")
        } catch {
            throw ControlAPIError.internalError("\(error); nothing changed")
        }
        var diff = ManifestDiff(from: manifest, to: edited)
        for name in diff.unchanged {
            guard let spec = edited.services[name] else { continue }
            let built = Self.builtFingerprint(spec, in: configuration.buildsDirectory)
            if built != services[name]?.revision.builtFingerprint { diff.markRebuilt(name) }
        }
        let plan = diff.plan.joined(separator: "\n")
        if request.dryRun {
            return OperationResponse(ok: diff.refused.isEmpty, message: plan, status: status())
        }
        guard diff.refused.isEmpty else {
            throw ControlAPIError.conflict(diff.refused.joined(separator: "; ") + "; nothing changed")
        }
        for name in diff.changed.keys.sorted() + diff.rescaled.keys.sorted() + diff.removed
        where services[name]?.rollout != nil {
            throw ControlAPIError.conflict("a rollout of \(name) is in progress; reload once it has finished")
        }
        if diff.routesChanged || diff.gatewaySettingsChanged, let gateway = edited.gateway {
            await traffic?.replaceRoutes(gateway)
        }
        // Renewed certificates: compared by contents, swapped for new connections; no replica restarts for them.
        var certificates: [String] = []
        if let gateway = edited.gateway, let traffic { certificates = await traffic.reloadCertificates(gateway) }
        // The await above let other work run: check again that no rollout started meanwhile.
        for name in diff.changed.keys.sorted() where services[name]?.rollout != nil {
            throw ControlAPIError.conflict("a rollout of \(name) started meanwhile; reload again once it has finished")
        }
        if request.watch == true { configuration.watchRequested = true }
        apply(edited, diff, environment: request.environment, start: request.start.map(Set.init))
        let goal = Goal.all(
            diff.changed.keys.sorted().map { Goal.rolledOut($0) } + [
                .ready(Set((diff.added + diff.rescaled.keys).filter { services[$0]?.isWanted ?? false })),
                .stopped(Set(diff.removed)),
            ])
        return await wait(
            for: goal, timeout: request.timeoutMilliseconds.map { .milliseconds($0) },
            success: (["reloaded:", plan] + certificates).joined(separator: "\n"))
    }

    private func apply(_ edited: Manifest, _ diff: ManifestDiff, environment: [String: String]?, start: Set<String>?) {
        for handoff in restartHandoffs.values { handoff.withdraw() }
        configuration.manifest = edited
        if let environment { configuration.reloadEnvironment = environment }
        planner = Self.dependencyPlanner(edited)
        let routed = Set(edited.gateway?.routes.map(\.service) ?? [])
        for name in routed where routedStarting[name] == nil { routedStarting[name] = false }
        for name in diff.removed {
            cancelRollout(name)
            run(services[name]?.remove() ?? [], service: name)
        }
        for name in diff.added {
            guard let spec = edited.services[name] else { continue }
            // Outside the caller's selection (`berth up web`, an inactive profile): known, not started.
            let wanted = start?.contains(name) ?? true
            var runtime = ServiceRuntime(
                spec: spec, drainBeforeStop: traffic != nil && routed.contains(name),
                state: wanted ? .waiting : .stopped)
            runtime.revision.builtFingerprint = Self.builtFingerprint(spec, in: configuration.buildsDirectory)
            services[name] = runtime
        }
        for name in diff.unchanged {
            // `depends_on`, `rollout` or `replicas` may differ: nothing a process runs with.
            if let spec = edited.services[name] { services[name]?.revision.spec = spec }
        }
        for (name, count) in diff.rescaled.sorted(by: { $0.key < $1.key }) {
            run(services[name]?.scale(to: count) ?? [], service: name)
        }
        for name in diff.changed.keys.sorted() {
            guard let spec = edited.services[name], let runtime = services[name] else { continue }
            // A scheduled job is not rolled (a rollout would start a run): its next run uses the new spec.
            if runtime.isActive, !runtime.current.isEmpty, !isScheduled(name) {
                try? beginRollout(name, to: spec)
            } else {
                // Not running: its next start uses the new spec.
                var revision = ServiceRevision(
                    spec: spec, generation: runtime.revision.generation + 1,
                    drainBeforeStop: runtime.policy.drainBeforeStop)
                revision.builtFingerprint = Self.builtFingerprint(spec, in: configuration.buildsDirectory)
                services[name]?.revision = revision
            }
        }
        reloadSchedules(diff)
        startHooks()
        startWatches()
        logger.info("manifest reloaded", metadata: ["plan": "\(diff.plan.joined(separator: "; "))"])
        // Prepared replacements were built from the old specs and environment.
        refollowRestartPredictions()
        reconcile()
    }

    /// The fingerprint `berth up` stored after the service's last successful build, if it has a `build:`.
    static func builtFingerprint(_ spec: ServiceSpec, in directory: String?) -> String? {
        guard let build = spec.build, let directory else { return nil }
        let path = directory + "/" + build.identity.stateName + ".fingerprint"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.trimmingASCIIWhitespace()
    }
}
