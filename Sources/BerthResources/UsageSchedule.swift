/// How long the sampler waits before its next pass: the base interval (a second), stretched so that the pass never
/// takes more than `budget` of one core (0.8 %: with recording the sample, sampling stays under 1 %), whatever the
/// number of replicas and the machine.
///
/// A pass costs about 25 µs of CPU per process (mostly the kernel making `/proc/PID/stat`): with a thousand replicas
/// that is 2.5 % of a core at one pass a second, so the pass is then about every 3 s (the figures are still exact: CPU %
/// is over the time since the previous pass).
///
/// Idle replicas stretch it too: after passes that saw nothing change (same CPU time, memory, descriptors, threads
/// and processes for every replica), the wait doubles up to `quietCap` times the base, and the first change brings it
/// back to the base. A hundred sleeping children otherwise cost the daemon 0.3 % of a core for figures that do not
/// move (issue 16's idle CPU target is 0.1 %).
public enum UsageSchedule {
    /// At most this many base intervals between two passes while nothing changes.
    public static let quietCap = 10
    /// While nothing changes, a full pass comes after at most this many runtime checks in a row: memory can shrink
    /// without the process running (the kernel reclaiming its file pages), which only a full pass sees.
    public static let checksBetweenFullPasses = 6

    /// Whether an idle replica set can skip its full pass: every process of the last idle full pass is still
    /// there and has not run since (`baseline`: their runtimes read right after that pass; `now`: read again).
    /// A process that ran may have changed any figure (memory, descriptors, threads, children); one that has not
    /// run cannot have, apart from reclaim (`checksBetweenFullPasses`).
    public static func nothingRan(baseline: [Int32: UInt64]?, now: [Int32: UInt64]?) -> Bool {
        guard let baseline, let now, !baseline.isEmpty else { return false }
        return baseline == now
    }

    public static func interval(
        base: Duration, passCost: Duration, quietPasses: Int = 0, budget: Double = 0.008
    ) -> Duration {
        let stretched = base * quietFactor(quietPasses)
        guard budget > 0 else { return stretched }
        return max(stretched, passCost * (1 / budget))
    }

    /// 1, 2, 4, 8, then `quietCap`: how many base intervals the next wait is after `quietPasses` quiet passes.
    static func quietFactor(_ quietPasses: Int) -> Int {
        guard quietPasses > 0 else { return 1 }
        return quietPasses >= 4 ? quietCap : min(1 << quietPasses, quietCap)
    }

    /// Whether a pass saw nothing change since the previous one: the same replicas, each with the same figures
    /// (CPU % aside, which is derived from the CPU time). An empty sample is quiet: there is nothing to watch.
    public static func isQuiet(previous: [String: ReplicaUsage], current: [String: ReplicaUsage]) -> Bool {
        guard previous.count == current.count else { return false }
        for (key, now) in current {
            guard var before = previous[key] else { return false }
            before.cpuPercent = now.cpuPercent
            guard before == now else { return false }
        }
        return true
    }
}
