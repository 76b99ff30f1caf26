import BerthManifest
import BerthResources

extension SystemdContext {
    /// `limits:` as the unit's resource settings: systemd puts each instance in its own cgroup, as berth does.
    func resourceLines(_ service: ServiceSpec) -> [String] {
        let limits = service.limits
        var lines: [String] = []
        if let bytes = limits.memoryBytes {
            // No swapping past the limit, as berth's memsw / memory.swap.max.
            lines += ["MemoryMax=\(ByteSizeText.format(bytes))", "MemorySwapMax=0"]
        }
        if let soft = limits.memorySoftBytes {
            // systemd has no "replace first": above MemoryHigh= it throttles and reclaims, which still keeps the
            // kernel's OOM killer away from a slow leak.
            lines.append("MemoryHigh=\(ByteSizeText.format(soft))")
        }
        if let cores = limits.cpuCores {
            // CPUQuota= is in percent of one CPU, at most two decimals as berth's manifest reads it.
            lines.append("CPUQuota=\(Self.percent(cores))%")
        }
        if let pids = limits.pids { lines.append("TasksMax=\(pids)") }
        if let files = limits.openFiles { lines.append("LimitNOFILE=\(files)") }
        if let core = limits.coreBytes { lines.append("LimitCORE=\(ByteSizeText.format(core))") }
        return lines
    }

    static func percent(_ cores: Double) -> String {
        let hundredths = Int((cores * 10_000).rounded())
        let whole = hundredths / 100
        let fraction = hundredths % 100
        return fraction == 0 ? String(whole) : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
