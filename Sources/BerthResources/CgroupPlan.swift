/// The file operations that give one replica its cgroup(s) with its limits, and what to read and remove later.
///
/// Pure: computed from a `CgroupLayout`, the limits and the replica's name; `CgroupFiles` carries it out. v1 makes
/// one directory per controller (`<own>/berth/<project>/<replica>` in each mounted hierarchy); v2 makes one directory
/// in the unified tree and enables the controllers on the way down (`cgroup.subtree_control`).
public struct CgroupPlan: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// mkdir, existing is fine.
        case makeDirectory(String)
        /// v2: `+cpu +memory ...` into a directory's `cgroup.subtree_control`. `own` marks berthd's own cgroup,
        /// which cannot enable controllers while it holds processes (cgroup v2's "no internal processes" rule):
        /// berthd then moves itself into a `daemon` leaf first.
        case enableControllers(directory: String, controllers: [CgroupController], own: Bool)
        /// Write a limit; `optional` files may be missing (memsw without swap accounting).
        case write(file: String, value: String, optional: Bool)
    }

    public var steps: [Step]
    /// Where the child writes "0" before exec, to join the cgroups.
    public var procsFiles: [String]
    /// The replica's directories, removed once it exited.
    public var directories: [String]
    /// The file counting OOM kills (v1 `memory.oom_control`, v2 `memory.events`), when memory is limited.
    public var oomEvents: String?
    /// v1 only: `memory.failcnt`, the fallback sign of an OOM kill on kernels without the `oom_kill` counter.
    public var memoryFailures: String?

    /// The plan, or nil when `limits` need no cgroup. Controllers the layout lacks are left out (see
    /// `CgroupLayout.missing`, which the caller reports).
    public static func make(
        layout: CgroupLayout, limits: ResourceLimits, project: String, replica: String
    ) -> CgroupPlan? {
        let needed = limits.controllers.sorted()
        guard !needed.isEmpty else { return nil }
        let relative = ["berth", project, replica]
        var plan = CgroupPlan(steps: [], procsFiles: [], directories: [], oomEvents: nil, memoryFailures: nil)
        if layout.usesV2(for: needed), let own = layout.v2Directory {
            var directory = own
            for (depth, name) in relative.enumerated() {
                plan.steps.append(.enableControllers(directory: directory, controllers: needed, own: depth == 0))
                directory += "/" + name
                plan.steps.append(.makeDirectory(directory))
            }
            plan.steps += v2Limits(limits, in: directory)
            plan.procsFiles = [directory + "/cgroup.procs"]
            plan.directories = [directory]
            if limits.memoryBytes != nil { plan.oomEvents = directory + "/memory.events" }
            return plan
        }
        for controller in needed {
            guard var directory = layout.v1[controller] else { continue }
            for name in relative {
                directory += "/" + name
                plan.steps.append(.makeDirectory(directory))
            }
            plan.steps += v1Limits(limits, controller: controller, in: directory)
            plan.procsFiles.append(directory + "/cgroup.procs")
            plan.directories.append(directory)
            if controller == .memory {
                plan.oomEvents = directory + "/memory.oom_control"
                plan.memoryFailures = directory + "/memory.failcnt"
            }
        }
        return plan.procsFiles.isEmpty ? nil : plan
    }

    static func v1Limits(_ limits: ResourceLimits, controller: CgroupController, in directory: String) -> [Step] {
        switch controller {
        case .memory:
            guard let bytes = limits.memoryBytes else { return [] }
            // memsw (memory + swap) equal to the limit: no swapping past it. It must stay >= the memory limit,
            // so it is written after it.
            return [
                .write(file: directory + "/memory.limit_in_bytes", value: String(bytes), optional: false),
                .write(file: directory + "/memory.memsw.limit_in_bytes", value: String(bytes), optional: true),
            ]
        case .cpu:
            guard let cores = limits.cpuCores else { return [] }
            return [
                .write(
                    file: directory + "/cpu.cfs_period_us", value: String(ResourceLimits.cpuPeriodMicroseconds),
                    optional: false),
                .write(
                    file: directory + "/cpu.cfs_quota_us", value: String(ResourceLimits.cpuQuotaMicroseconds(cores)),
                    optional: false),
            ]
        case .pids:
            guard let pids = limits.pids else { return [] }
            return [.write(file: directory + "/pids.max", value: String(pids), optional: false)]
        }
    }

    static func v2Limits(_ limits: ResourceLimits, in directory: String) -> [Step] {
        var steps: [Step] = []
        if let bytes = limits.memoryBytes {
            steps.append(.write(file: directory + "/memory.max", value: String(bytes), optional: false))
            steps.append(.write(file: directory + "/memory.swap.max", value: "0", optional: true))
        }
        if let cores = limits.cpuCores {
            let quota = ResourceLimits.cpuQuotaMicroseconds(cores)
            steps.append(
                .write(
                    file: directory + "/cpu.max", value: "\(quota) \(ResourceLimits.cpuPeriodMicroseconds)",
                    optional: false))
        }
        if let pids = limits.pids {
            steps.append(.write(file: directory + "/pids.max", value: String(pids), optional: false))
        }
        return steps
    }
}

/// Reading the OOM-kill counters of the memory controller (pure parsers of the files' text).
public enum OOMCounter {
    /// `oom_kill N` from v1 `memory.oom_control` or v2 `memory.events`; nil when the kernel has no such line.
    public static func kills(_ text: String) -> Int? {
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, words[0] == "oom_kill" { return Int(words[1]) }
        }
        return nil
    }
}
