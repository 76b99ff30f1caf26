/// Turns one pass over the process table into per-replica usage, and CPU time into a percentage by remembering the
/// previous sample of each replica.
///
/// Pure: the caller reads /proc (`ProcScan`) and passes the clock, so the arithmetic is tested without processes.
public struct UsageMeter: Sendable {
    struct Previous: Sendable {
        var pid: Int32
        var cpuSeconds: Double
        var at: ContinuousClock.Instant
    }

    let ticksPerSecond: Double
    let pageSize: Int
    var previous: [String: Previous] = [:]

    public init(ticksPerSecond: Int, pageSize: Int) {
        self.ticksPerSecond = Double(max(1, ticksPerSecond))
        self.pageSize = pageSize
    }

    /// The usage of each target found. `members` gives the pids of a target's cgroup (nil: use its process group);
    /// `openFiles` counts one process's descriptors. Targets no longer sampled are forgotten.
    public mutating func measure(
        _ targets: [UsageTarget], processes: [ProcStat], at now: ContinuousClock.Instant,
        members: (UsageTarget) -> [Int32]?, openFiles: (Int32) -> Int
    ) -> [String: ReplicaUsage] {
        var byGroup: [Int32: [ProcStat]] = [:]
        var byPID: [Int32: ProcStat] = [:]
        for process in processes {
            byGroup[process.pgid, default: []].append(process)
            byPID[process.pid] = process
        }
        var result: [String: ReplicaUsage] = [:]
        var next: [String: Previous] = [:]
        for target in targets {
            let group: [ProcStat] =
                if let pids = members(target), !pids.isEmpty { pids.compactMap { byPID[$0] } } else {
                    byGroup[target.pid] ?? []
                }
            guard !group.isEmpty else { continue }
            var usage = ReplicaUsage()
            var ticks: UInt64 = 0
            for process in group {
                ticks += process.cpuTicks
                usage.residentBytes += process.residentPages * pageSize
                usage.threads += process.threads
                usage.openFiles += openFiles(process.pid)
            }
            usage.processes = group.count
            usage.cpuSeconds = Double(ticks) / ticksPerSecond
            if let before = previous[target.key], before.pid == target.pid {
                let elapsed = (now - before.at).seconds
                // A child that exited takes its CPU time out of the sum: never report a negative rate.
                if elapsed > 0 { usage.cpuPercent = max(0, (usage.cpuSeconds - before.cpuSeconds) / elapsed * 100) }
            }
            next[target.key] = Previous(pid: target.pid, cpuSeconds: usage.cpuSeconds, at: now)
            result[target.key] = usage
        }
        previous = next
        return result
    }
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
