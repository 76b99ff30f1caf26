import BerthControlProtocol
import BerthResources

#if canImport(Glibc)
    import Glibc
#endif

extension Supervisor {
    /// The process of every running replica, to sample.
    func usageTargets() -> [UsageTarget] {
        var targets: [UsageTarget] = []
        for (name, runtime) in services {
            for slot in runtime.slots {
                guard let pid = slot.machine.process?.pid, pid > 0 else { continue }
                let key = Self.usageKey(service: name, slot: slot.id)
                targets.append(UsageTarget(key: key, pid: pid, cgroupProcs: replicaCgroups[key]?.plan.procsFiles.first))
            }
        }
        return targets
    }

    /// Keeps a new sample for `berth status` and sets the replicas' gauges in `/metrics`. A replica index whose
    /// slots are all at rest (stopped, completed, failed) or gone loses its series (audit5: a stopped or removed
    /// replica's gauges stayed in `/metrics` for the daemon's life, its last figures as if it still ran); one
    /// between restarts (backoff) keeps them, so that its CPU counter spans its restarts.
    func recordUsage(_ sample: [String: ReplicaUsage]) {
        var live: Set<SupervisorMetrics.ReplicaKey> = []
        var measured: Set<SupervisorMetrics.ReplicaKey> = []
        for (name, runtime) in services {
            for slot in runtime.slots where !slot.machine.isAtRest {
                let replica = SupervisorMetrics.ReplicaKey(service: name, replica: slot.index)
                live.insert(replica)
                let key = Self.usageKey(service: name, slot: slot.id)
                guard slot.machine.process != nil, let now = sample[key] else { continue }
                measured.insert(replica)
                // CPU time counts up across the replica's processes: a new process adds all it used so far.
                let before = usage[key]?.cpuSeconds ?? 0
                let added = now.cpuSeconds >= before ? now.cpuSeconds - before : now.cpuSeconds
                metrics.replicaUsage(service: name, replica: slot.index, usage: now, cpuSecondsAdded: added)
            }
        }
        metrics.dropReplicaUsage(except: live)
        // Waiting to restart (no process): its gauges read 0, not the last figures of the process that ended.
        metrics.zeroReplicaUsage(live.subtracting(measured))
        usage = sample
        removeLeftoverCgroups()
        replaceReplicasAboveMemorySoft(sample)
    }

    /// Samples every running replica's usage once per `interval` until cancelled: one pass over /proc per sample,
    /// off the actor (only the list of replicas and the result cross it). Passes are spaced so that they cost at
    /// most 1 % of a core (`UsageSchedule`), and up to ten intervals apart while no replica's figures change; a
    /// replica that starts or stops is sampled at the next interval, and a service with `memory_soft` keeps one
    /// pass per interval (its verdict counts seconds above the limit). Between passes it sleeps until the next one
    /// is due or the actor signals that a replica's process started or went (`replicaSetChanged`). Without
    /// `sampling`, only retries removing the cgroups that outlived their replica.
    public nonisolated func sampleUsage(every interval: Duration, sampling: Bool = true) async {
        await removeStaleCgroups()
        var meter = UsageMeter(ticksPerSecond: ProcScan.ticksPerSecond, pageSize: ProcScan.pageSize)
        var previous: [String: ReplicaUsage] = [:]
        var sampled: [String: Int32] = [:]
        var quietPasses = 0
        var nextPass = ContinuousClock.now
        // What ran since the last idle full pass is read from each process's runtime (`ProcScan.runtimes`): while
        // nothing ran, a check of one small file per process stands in for the pass (issue 16's idle CPU). The
        // baseline holds the runtimes of that pass's processes.
        var baseline: [Int32: UInt64]? = nil
        var checks = 0
        var cost = Duration.zero
        while !Task.isCancelled {
            let (targets, steady) = sampling ? await usagePlan() : ([], true)
            let pids = Dictionary(targets.map { ($0.key, $0.pid) }, uniquingKeysWith: { first, _ in first })
            // Between passes, only a change in the replicas brings the pass forward: the actor signals it.
            guard ContinuousClock.now >= nextPass || pids != sampled || steady else {
                await replicaSetChanged.wait(until: nextPass)
                continue
            }
            if !steady, pids == sampled, checks < UsageSchedule.checksBetweenFullPasses, let baseline,
                UsageSchedule.nothingRan(baseline: baseline, now: ProcScan.runtimes(of: Array(baseline.keys)))
            {
                checks += 1
                quietPasses += 1
                nextPass = .now + UsageSchedule.interval(base: interval, passCost: cost, quietPasses: quietPasses)
                try? await Task.sleep(for: UsageSchedule.interval(base: interval, passCost: cost))
                continue
            }
            checks = 0
            var sample: [String: ReplicaUsage] = [:]
            var passed: [Int32] = []
            cost = .zero
            if !targets.isEmpty {
                // Synchronous, on one thread: its CPU time is the pass's.
                let started = ProcScan.threadCPUTime()
                let members = Self.cgroupMembers(of: targets)
                let processes = Self.supervisedProcesses(cgroupMembers: members)
                passed = processes.map(\.pid)
                sample = meter.measure(
                    targets, processes: processes, at: .now, members: { members[$0.key] },
                    openFiles: { ProcScan.openFiles($0) })
                cost = ProcScan.threadCPUTime() - started
            }
            await recordUsage(sample)
            quietPasses = UsageSchedule.isQuiet(previous: previous, current: sample) && !steady ? quietPasses + 1 : 0
            // After a pass in which no replica used a tick of CPU, the next passes may be checks: the runtimes are read
            // now, so a process that ran between its stat line and this read keeps the figures of its stat line
            // until it runs again or the next full pass (`checksBetweenFullPasses`). Busy replicas skip the read.
            let idle = !steady && !sample.isEmpty && sample.values.allSatisfy { ($0.cpuPercent ?? 0) == 0 }
            baseline = idle ? ProcScan.runtimes(of: passed) : nil
            previous = sample
            sampled = pids
            nextPass = .now + UsageSchedule.interval(base: interval, passCost: cost, quietPasses: quietPasses)
            try? await Task.sleep(for: UsageSchedule.interval(base: interval, passCost: cost))
        }
    }

    /// The pids in each target's cgroup, by key (targets without a cgroup, or whose cgroup cannot be read, have none).
    nonisolated static func cgroupMembers(of targets: [UsageTarget]) -> [String: [Int32]] {
        var members: [String: [Int32]] = [:]
        for target in targets {
            guard let procs = target.cgroupProcs, let pids = ProcScan.cgroupMembers(procs) else { continue }
            members[target.key] = pids
        }
        return members
    }

    /// What a pass sums: the processes below the daemon (every replica's process group is there, see
    /// `ProcScan.descendants`), plus any cgroup member that is not (put there by someone else); the whole process
    /// table on a kernel without children lists.
    nonisolated static func supervisedProcesses(cgroupMembers: [String: [Int32]]) -> [ProcStat] {
        guard var processes = ProcScan.descendants(of: getpid()) else { return ProcScan.processes() }
        var known = Set(processes.map(\.pid))
        for pid in cgroupMembers.values.joined() where known.insert(pid).inserted {
            if let stat = ProcScan.statLine(of: pid) { processes.append(stat) }
        }
        return processes
    }

    /// The replicas to sample, and whether every interval must have its pass (a service with `memory_soft`).
    func usagePlan() -> ([UsageTarget], Bool) {
        (usageTargets(), services.values.contains { $0.spec.limits.memorySoftBytes != nil })
    }

    /// The usage and limits of one replica in its status.
    func addUsage(to replica: inout ReplicaStatus, service: String, slot: ReplicaSlot) {
        let limits = slot.revision.spec.limits
        let key = Self.usageKey(service: service, slot: slot.id)
        // Only a limit that holds (audit3): with no cgroup (BERTH_NO_CGROUPS=1, not root, one that failed at spawn)
        // `berth status` showed "1.6M/64M" as if 64M were enforced. A running replica holds its limits when it has
        // its cgroup; one that is not running would get them if the machine enforces them.
        let enforced: (String) -> Bool = { [configuration, replicaCgroups] limitKey in
            if slot.machine.process != nil { return replicaCgroups[key] != nil }
            guard let support = configuration.cgroups else { return false }
            return !support.unenforced(limits).contains { $0.key == limitKey }
        }
        replica.memoryLimitBytes = enforced("memory") ? limits.memoryBytes : nil
        replica.cpuLimit = enforced("cpu") ? limits.cpuCores : nil
        guard slot.machine.process != nil, let usage = usage[key] else { return }
        replica.cpuPercent = usage.cpuPercent.map { ($0 * 10).rounded() / 10 }
        replica.memoryBytes = usage.residentBytes
        replica.openFiles = usage.openFiles
        replica.threads = usage.threads
        replica.processes = usage.processes
    }
}
