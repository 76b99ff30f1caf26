#if canImport(Glibc)
    import Glibc
#endif

/// What this machine lets berth enforce, for warnings before anything starts (`berth check`, `berth up`) and for
/// the daemon's choice of driver.
public struct CgroupSupport: Sendable, Equatable {
    public var layout: CgroupLayout
    /// Only root may create cgroups and join processes to them (a delegated v2 subtree aside, not detected).
    public var isRoot: Bool

    public init(layout: CgroupLayout, isRoot: Bool) {
        self.layout = layout
        self.isRoot = isRoot
    }

    /// The running system's support (reads /proc/self and the v2 `cgroup.controllers`).
    public static func current() -> CgroupSupport {
        var layout = CgroupLayout.parse(
            selfCgroup: ProcScan.readText("/proc/self/cgroup") ?? "",
            mountinfo: ProcScan.readText("/proc/self/mountinfo") ?? "")
        if let directory = layout.v2Directory, let controllers = ProcScan.readText(directory + "/cgroup.controllers") {
            layout = layout.withV2Controllers(controllers)
        }
        return CgroupSupport(layout: layout, isRoot: geteuid() == 0)
    }

    /// For each limit that will not be enforced, its key and why.
    public func unenforced(_ limits: ResourceLimits) -> [(key: String, reason: String)] {
        let needed = limits.controllers
        if !needed.isEmpty, !isRoot {
            return needed.map { ($0.limitKey, "berthd is not root, and only root can create cgroups") }
        }
        return layout.missing(needed).map { controller in
            (controller.limitKey, "no cgroup '\(controller.rawValue)' controller is mounted (v1) or delegated (v2)")
        }
    }
}
