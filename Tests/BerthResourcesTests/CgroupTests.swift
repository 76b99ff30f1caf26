import Foundation
import Testing

@testable import BerthResources

/// Finding berthd's cgroups, planning a replica's, the v2 driver against a directory laid out like cgroupfs v2, and
/// the v1 driver for real where this machine has v1 controllers and the test runs as root.
@Suite struct CgroupTests {
    // Captured on the development machines: v1 controllers, an empty cgroup2 tree, a memory cgroup set by the host.
    let selfCgroup = """
        9:name=systemd:/
        8:pids:/
        4:memory:/process_api/3e5c
        2:cpuacct:/
        1:cpu:/
        0::/

        """
    let mountinfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw

        """

    @Test func layoutOfTheseMachines() {
        let layout = CgroupLayout.parse(selfCgroup: selfCgroup, mountinfo: mountinfo).withV2Controllers("hugetlb\n")
        #expect(
            layout.v1 == [
                .cpu: "/sys/fs/cgroup/cpu", .memory: "/sys/fs/cgroup/memory/process_api/3e5c",
                .pids: "/sys/fs/cgroup/pids",
            ])
        #expect(layout.v2Directory == "/sys/fs/cgroup/unified")
        #expect(layout.v2Controllers.isEmpty)
        #expect(!layout.usesV2(for: [.memory]))
        #expect(layout.missing([.memory, .cpu, .pids]).isEmpty)
    }

    @Test func layoutOfASystemdUnitWithDelegation() {
        let layout = CgroupLayout.parse(
            selfCgroup: "0::/system.slice/berth.service\n",
            mountinfo: "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
        ).withV2Controllers("cpuset cpu io memory pids\n")
        #expect(layout.v1.isEmpty)
        #expect(layout.v2Directory == "/sys/fs/cgroup/system.slice/berth.service")
        #expect(layout.usesV2(for: [.memory, .cpu, .pids]))
    }

    @Test func aMountOfASubtreeAndEscapedPaths() {
        #expect(
            CgroupLayout.directory(
                mountPoint: "/sys/fs/cgroup/memory", root: "/docker/abc",
                own: "/docker/abc/x") == "/sys/fs/cgroup/memory/x")
        #expect(CgroupLayout.directory(mountPoint: "/m", root: "/docker/abc", own: "/other") == nil)
        #expect(CgroupLayout.unescape("/a\\040b") == "/a b")
    }

    @Test func v1PlanMakesOneDirectoryPerController() throws {
        let layout = CgroupLayout(v1: [.memory: "/m/own", .cpu: "/c", .pids: "/p"])
        let limits = ResourceLimits(memoryBytes: 33_554_432, cpuCores: 0.2, pids: 20)
        let plan = try #require(CgroupPlan.make(layout: layout, limits: limits, project: "shop", replica: "web.0.0"))
        #expect(
            plan.procsFiles == [
                "/c/berth/shop/web.0.0/cgroup.procs", "/m/own/berth/shop/web.0.0/cgroup.procs",
                "/p/berth/shop/web.0.0/cgroup.procs",
            ])
        #expect(
            plan.steps.contains(
                .write(
                    file: "/c/berth/shop/web.0.0/cpu.cfs_quota_us", value: "20000",
                    optional: false)))
        #expect(
            plan.steps.contains(
                .write(
                    file: "/m/own/berth/shop/web.0.0/memory.limit_in_bytes",
                    value: "33554432", optional: false)))
        #expect(plan.steps.contains(.write(file: "/p/berth/shop/web.0.0/pids.max", value: "20", optional: false)))
        #expect(plan.oomEvents == "/m/own/berth/shop/web.0.0/memory.oom_control")
        #expect(
            CgroupPlan.make(layout: layout, limits: ResourceLimits(openFiles: 10), project: "s", replica: "r")
                == nil)
    }

    @Test func oomCounters() {
        #expect(OOMCounter.kills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n") == 2)
        #expect(OOMCounter.kills("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n") == 1)
        #expect(OOMCounter.kills("oom_kill_disable 0\nunder_oom 0\n") == nil)
    }

    /// The v2 driver against a directory laid out like cgroupfs v2 (the files a real mkdir would create exist).
    @Test func v2DriverAgainstAFakeTree() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let own = root.path + "/system.slice/berth.service"
        let leaf = "system.slice/berth.service/berth/shop/web.1.3"
        for directory in [
            "system.slice/berth.service", "system.slice/berth.service/berth",
            "system.slice/berth.service/berth/shop", leaf,
        ] {
            try root.write(directory + "/cgroup.subtree_control", "")
        }
        for file in ["cgroup.procs", "memory.max", "memory.events", "cpu.max", "pids.max"] {
            try root.write(leaf + "/" + file, "")
        }
        let layout = CgroupLayout(v2Directory: own, v2Controllers: [.cpu, .memory, .pids])
        let limits = ResourceLimits(memoryBytes: 64 << 20, cpuCores: 1.5, pids: 50)
        let plan = try #require(CgroupPlan.make(layout: layout, limits: limits, project: "shop", replica: "web.1.3"))
        try CgroupFiles.apply(plan)
        #expect(root.read("system.slice/berth.service/cgroup.subtree_control") == "+cpu +memory +pids")
        #expect(root.read("system.slice/berth.service/berth/shop/cgroup.subtree_control") == "+cpu +memory +pids")
        #expect(root.read(leaf + "/memory.max") == "67108864")
        #expect(root.read(leaf + "/cpu.max") == "150000 100000")
        #expect(root.read(leaf + "/pids.max") == "50")
        // No swap accounting in this tree: the optional memory.swap.max is skipped.
        #expect(root.read(leaf + "/memory.swap.max") == nil)
        #expect(plan.procsFiles == [root.path + "/" + leaf + "/cgroup.procs"])
        try root.write(leaf + "/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
        #expect(CgroupFiles.oomKills(plan) == 1)
    }

    @Test func v2DriverReportsAMissingFile() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let layout = CgroupLayout(v2Directory: root.path, v2Controllers: [.pids])
        let plan = try #require(
            CgroupPlan.make(
                layout: layout, limits: ResourceLimits(pids: 5), project: "p",
                replica: "r"))
        #expect(
            throws: CgroupError(
                operation: "open", path: root.path + "/cgroup.subtree_control",
                message: "No such file or directory")
        ) {
            try CgroupFiles.apply(plan)
        }
    }

    /// The v1 driver for real: this machine's memory, cpu and pids hierarchies (root only).
    @Test(.enabled(if: getuid() == 0 && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/cgroup.procs")))
    func v1DriverForReal() throws {
        let support = CgroupSupport.current()
        let limits = ResourceLimits(memoryBytes: 48 << 20, cpuCores: 0.5, pids: 30)
        #expect(support.unenforced(limits).isEmpty)
        let project = "test-" + UUID().uuidString.prefix(8)
        let plan = try #require(
            CgroupPlan.make(
                layout: support.layout, limits: limits, project: project,
                replica: "web.0.0"))
        try CgroupFiles.apply(plan)
        defer { CgroupFiles.remove(plan) }
        let memory = try #require(plan.directories.first { $0.contains("/memory/") })
        #expect(read(memory + "/memory.limit_in_bytes") == "50331648")
        let cpu = try #require(plan.directories.first { $0.contains("/cpu/") })
        #expect(read(cpu + "/cpu.cfs_quota_us") == "50000")
        let pids = try #require(plan.directories.first { $0.contains("/pids/") })
        #expect(read(pids + "/pids.max") == "30")
        #expect(CgroupFiles.oomKills(plan) == 0)
        #expect(CgroupFiles.remove(plan))
        for directory in plan.directories {
            #expect(!FileManager.default.fileExists(atPath: directory))
            // The project's directory went with its last replica.
            #expect(!FileManager.default.fileExists(atPath: (directory as NSString).deletingLastPathComponent))
        }
    }

    func read(_ path: String) -> String? {
        ProcScan.readText(path).map { String($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
