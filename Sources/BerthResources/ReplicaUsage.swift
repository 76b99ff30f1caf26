/// What one replica uses now, summed over its processes (its process group, or its cgroup when it has one).
public struct ReplicaUsage: Sendable, Equatable {
    /// CPU time used by the replica's live processes since they started, in seconds.
    public var cpuSeconds: Double
    /// CPU used over the last sampling interval, in percent of one core (200 = two cores busy); nil on the first
    /// sample, which has nothing to compare with.
    public var cpuPercent: Double?
    public var residentBytes: Int
    public var openFiles: Int
    public var threads: Int
    public var processes: Int

    public init(
        cpuSeconds: Double = 0, cpuPercent: Double? = nil, residentBytes: Int = 0, openFiles: Int = 0,
        threads: Int = 0, processes: Int = 0
    ) {
        self.cpuSeconds = cpuSeconds
        self.cpuPercent = cpuPercent
        self.residentBytes = residentBytes
        self.openFiles = openFiles
        self.threads = threads
        self.processes = processes
    }
}

/// A replica to sample: its key (any stable name), the pid of its group leader (== its pgid, replicas are started
/// with setsid) and, when it has a cgroup, that cgroup's `cgroup.procs` (which also holds processes that left the
/// group).
public struct UsageTarget: Sendable, Equatable {
    public var key: String
    public var pid: Int32
    public var cgroupProcs: String?

    public init(key: String, pid: Int32, cgroupProcs: String? = nil) {
        self.key = key
        self.pid = pid
        self.cgroupProcs = cgroupProcs
    }
}
