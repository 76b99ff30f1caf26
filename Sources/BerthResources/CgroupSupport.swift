#if canImport(Glibc)
    import Glibc
#endif

/// What this machine lets berth enforce, for warnings before anything starts (`berth check`, `berth up`) and for
/// the daemon's choice of driver.
public struct CgroupSupport: Sendable, Equatable {
    public var layout: CgroupLayout
    /// Only root may create cgroups and join processes to them (a delegated v2 subtree aside, not detected).
    public var isRoot: Bool

    /// The most `limits.open_files` can be here: the kernel's `fs.nr_open` for root, else the hard RLIMIT_NOFILE
    /// (only root may raise a hard limit). nil: unknown, not checked.
    public var openFilesCeiling: Int?
    /// The most `limits.core` can be (the hard RLIMIT_CORE) when berthd is not root; nil: no ceiling.
    public var coreCeiling: Int?

    public init(layout: CgroupLayout, isRoot: Bool, openFilesCeiling: Int? = nil, coreCeiling: Int? = nil) {
        self.layout = layout
        self.isRoot = isRoot
        self.openFilesCeiling = openFilesCeiling
        self.coreCeiling = coreCeiling
    }

    /// `BERTH_NO_CGROUPS=1`: berthd makes no cgroups (another tool owns the hierarchy).
    public var disabled = false

    /// The running system's support (reads /proc/self and the v2 `cgroup.controllers`), as a berthd started with
    /// `environment` sees it (`BERTH_NO_CGROUPS=1`: none).
    public static func current(environment: [String: String]) -> CgroupSupport {
        var support = current()
        if environment["BERTH_NO_CGROUPS"] == "1" {
            support.layout = CgroupLayout()
            support.disabled = true
        }
        return support
    }

    /// The running system's support (reads /proc/self and the v2 `cgroup.controllers`).
    public static func current() -> CgroupSupport {
        var layout = CgroupLayout.parse(
            selfCgroup: ProcScan.readText("/proc/self/cgroup") ?? "",
            mountinfo: ProcScan.readText("/proc/self/mountinfo") ?? "")
        if let directory = layout.v2Directory, let controllers = ProcScan.readText(directory + "/cgroup.controllers") {
            layout = layout.withV2Controllers(controllers)
        }
        let isRoot = geteuid() == 0
        func hard(_ resource: Int32) -> Int? {
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(UInt32(resource)), &limit) == 0, limit.rlim_max != rlim_t.max
            else { return nil }
            return Int(clamping: limit.rlim_max)
        }
        let nrOpen = ProcScan.readText("/proc/sys/fs/nr_open").flatMap {
            $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
        }
        return CgroupSupport(
            layout: layout, isRoot: isRoot,
            openFilesCeiling: isRoot ? nrOpen : hard(Int32(RLIMIT_NOFILE.rawValue)),
            coreCeiling: isRoot ? nil : hard(Int32(RLIMIT_CORE.rawValue)))
    }

    /// For each limit that will not be enforced, its key and why.
    public func unenforced(_ limits: ResourceLimits) -> [(key: String, reason: String)] {
        let needed = limits.controllers
        var found: [(key: String, reason: String)]
        if !needed.isEmpty, disabled {
            // audit3: said "no cgroup 'memory' controller is mounted" although one was; `berth up` said nothing.
            found = needed.map { ($0.limitKey, "BERTH_NO_CGROUPS=1 tells berthd to make no cgroups") }
        } else if !needed.isEmpty, !isRoot {
            found = needed.map { ($0.limitKey, "berthd is not root, and only root can create cgroups") }
        } else {
            found = layout.missing(needed).map { controller in
                (controller.limitKey, "no cgroup '\(controller.rawValue)' controller is mounted (v1) or delegated (v2)")
            }
        }
        // audit3: an rlimit above what the kernel or berthd's own hard limit allows made every start fail with
        // "setrlimit ... Operation not permitted", while `berth check` said nothing.
        if let files = limits.openFiles, let most = openFilesCeiling, files > most {
            let what =
                isRoot ? "the kernel's most (fs.nr_open = \(most))" : "berthd's hard limit (ulimit -Hn = \(most))"
            found.append(("open_files", "\(files) is above \(what), so its replicas cannot start"))
        }
        if let core = limits.coreBytes, let most = coreCeiling, core > most {
            found.append(("core", "it is above berthd's hard limit (\(most) bytes), so its replicas cannot start"))
        }
        return found
    }
}
