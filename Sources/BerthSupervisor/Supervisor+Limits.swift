import BerthManifest
import BerthProcess
import BerthResources
import BerthSupervisorCore

/// A running replica's cgroup(s) and the memory counters read when it started, to tell an OOM kill of this
/// process from an older one (a cgroup left behind by a crashed daemon is reused).
struct ReplicaCgroup: Sendable {
    var plan: CgroupPlan
    var oomKillsAtStart: Int
    var memoryFailuresAtStart: Int
}

extension Supervisor {
    /// The key of a replica's process in `usage` and `replicaCgroups` (the slot, not the index: during a rollout
    /// two processes share an index).
    static func usageKey(service: String, slot: Int) -> String { "\(service)/\(slot)" }

    /// A slot's processes reuse its directories (`mkdir` of an existing one is fine, the limits are rewritten).
    func forgetCgroups(spec: ServiceSpec, slot: ReplicaSlot) {
        replicaCgroups.removeValue(forKey: Self.usageKey(service: spec.name, slot: slot.id))
        leftoverCgroups.removeAll {
            $0.directories.contains(where: { directory in
                directory.hasSuffix("/\(spec.name).\(slot.index).\(slot.id)")
            })
        }
    }

    /// Whether a process of `spec` joins cgroups of its own at spawn (a prepared replacement does not).
    func hasCgroupLimits(_ spec: ServiceSpec) -> Bool {
        configuration.cgroups != nil && !spec.limits.controllers.isEmpty
    }

    /// Adds the limits of `spec` to a replica's spawn request: rlimits always, cgroups where berthd can make them.
    /// A cgroup that cannot be made is an error event (the replica still starts: the limit is not enforced, and
    /// `berth check` said so beforehand when it could know).
    func applyLimits(_ request: inout SpawnRequest, spec: ServiceSpec, slot: ReplicaSlot) {
        request.openFilesLimit = spec.limits.openFiles
        request.coreLimit = spec.limits.coreBytes
        forgetCgroups(spec: spec, slot: slot)
        let key = Self.usageKey(service: spec.name, slot: slot.id)
        guard let support = configuration.cgroups, support.unenforced(spec.limits).isEmpty,
            let plan = CgroupPlan.make(
                layout: support.layout, limits: spec.limits, project: manifest.project,
                replica: "\(spec.name).\(slot.index).\(slot.id)")
        else { return }
        do {
            try CgroupFiles.apply(plan)
        } catch {
            logEvent(
                "limits_not_enforced", service: spec.name, replica: slot.index,
                message: "limits not enforced: \(error)", level: .error)
            return
        }
        request.cgroupProcs = plan.procsFiles
        replicaCgroups[key] = ReplicaCgroup(
            plan: plan, oomKillsAtStart: CgroupFiles.oomKills(plan),
            memoryFailuresAtStart: CgroupFiles.memoryFailures(plan))
    }

    /// How the replica's process ended, naming an OOM kill by its memory limit; removes its cgroup.
    func exitInfo(_ status: ExitStatus, service: String, slot: Int) -> ExitInfo {
        var info = ExitInfo(succeeded: status.succeeded, description: status.description)
        if case .exited(let code) = status { info.exitCode = Int(code) }
        let key = Self.usageKey(service: service, slot: slot)
        if usage.removeValue(forKey: key) != nil,
            let index = services[service]?.slots.first(where: { $0.id == slot })?.index
        {
            metrics.replicaUsage(service: service, replica: index, usage: ReplicaUsage(), cpuSecondsAdded: 0)
        }
        guard let cgroup = replicaCgroups.removeValue(forKey: key) else { return info }
        let kills = CgroupFiles.oomKills(cgroup.plan) - cgroup.oomKillsAtStart
        let killedBySIGKILL = status == .signaled(SIGKILLNumber, coreDumped: false)
        // Kernels without the `oom_kill` counter (v1 before 4.13): the limit was hit and SIGKILL ended the leader.
        let hitLimit = CgroupFiles.memoryFailures(cgroup.plan) > cgroup.memoryFailuresAtStart
        if kills > 0 || (cgroup.plan.oomEvents != nil && killedBySIGKILL && hitLimit) {
            let limit = services[service]?.slots.first { $0.id == slot }?.revision.spec.limits.memoryBytes
            let named = "memory limit " + (limit.map(ByteSizeText.format) ?? "?")
            info.outOfMemory = true
            info.description =
                killedBySIGKILL
                ? "killed by the OOM killer (\(named))"
                : "\(status.description) after the OOM killer killed one of its processes (\(named))"
        }
        if !CgroupFiles.remove(cgroup.plan) { leftoverCgroups.append(cgroup.plan) }
        return info
    }

    /// Removes the empty cgroups a previous daemon of this project left (it was killed, or a replica's child
    /// outlived it): the directories under `berth/PROJECT` that no running replica uses.
    func removeStaleCgroups() {
        guard let support = configuration.cgroups else { return }
        let inUse = Set(replicaCgroups.values.flatMap(\.plan.directories))
        CgroupFiles.removeEmptyReplicaDirectories(layout: support.layout, project: manifest.project, keeping: inUse)
    }

    /// Retries removing cgroups whose last process outlived the replica's leader.
    public func removeLeftoverCgroups() {
        guard !leftoverCgroups.isEmpty else { return }
        leftoverCgroups.removeAll { CgroupFiles.remove($0) }
    }
}

private let SIGKILLNumber: Int32 = 9
