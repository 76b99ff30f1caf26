/// The kernel-enforced limits of one replica, in the units the kernel takes (the manifest's `limits:` key, parsed).
///
/// Its own type, not the manifest's, so that this module depends on nothing and the drivers are tested alone.
public struct ResourceLimits: Sendable, Codable, Equatable {
    /// Memory (RSS + page cache) in bytes: the cgroup's memory limit; swap is not allowed past it.
    public var memoryBytes: Int?
    /// Berth's own soft limit in bytes (`memory_soft`): a replica that stays above it is replaced (a fresh one is
    /// started beside it, it is drained, then stopped) before the kernel would kill it. No cgroup needed.
    public var memorySoftBytes: Int?
    /// CPU time in cores (0.5 = half of one core), as a CFS quota over a 100 ms period.
    public var cpuCores: Double?
    /// Processes and threads in the replica's cgroup.
    public var pids: Int?
    /// RLIMIT_NOFILE (soft and hard).
    public var openFiles: Int?
    /// RLIMIT_CORE in bytes (soft and hard); 0 disables core dumps.
    public var coreBytes: Int?

    public init(
        memoryBytes: Int? = nil, cpuCores: Double? = nil, pids: Int? = nil, openFiles: Int? = nil,
        coreBytes: Int? = nil, memorySoftBytes: Int? = nil
    ) {
        self.memoryBytes = memoryBytes
        self.memorySoftBytes = memorySoftBytes
        self.cpuCores = cpuCores
        self.pids = pids
        self.openFiles = openFiles
        self.coreBytes = coreBytes
    }

    /// The cgroup controllers these limits need.
    public var controllers: [CgroupController] {
        var result: [CgroupController] = []
        if memoryBytes != nil { result.append(.memory) }
        if cpuCores != nil { result.append(.cpu) }
        if pids != nil { result.append(.pids) }
        return result
    }

    /// The CFS period berth uses, in microseconds (the kernel's default).
    public static let cpuPeriodMicroseconds = 100_000

    /// The CFS quota for `cpuCores`, in microseconds per period (at least the kernel's minimum, 1 ms).
    public static func cpuQuotaMicroseconds(_ cores: Double) -> Int {
        max(1000, Int((cores * Double(cpuPeriodMicroseconds)).rounded()))
    }
}

/// The cgroup controllers berth drives.
public enum CgroupController: String, Sendable, CaseIterable, Comparable {
    case cpu, memory, pids

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The manifest key a controller enforces, for warnings.
    public var limitKey: String {
        switch self {
        case .cpu: "cpu"
        case .memory: "memory"
        case .pids: "pids"
        }
    }
}
