import BerthResources
import Foundation
import Testing

/// audit12: what `state.json` records of a daemon's cgroups, and what `berthd --clean-up` may remove of them.
@Suite struct CgroupCleanUpAudit12Tests {
    @Test func theProjectDirectoriesAreOnePerHierarchy() {
        let v1 = CgroupLayout(v1: [
            .memory: "/sys/fs/cgroup/memory/own", .cpu: "/sys/fs/cgroup/cpu,cpuacct", .pids: "/p",
        ])
        #expect(
            v1.projectDirectories(project: "shop") == [
                "/p/berth/shop", "/sys/fs/cgroup/cpu,cpuacct/berth/shop", "/sys/fs/cgroup/memory/own/berth/shop",
            ])
        // Controllers mounted together share one directory.
        let joint = CgroupLayout(v1: [.cpu: "/sys/fs/cgroup/cpu,cpuacct", .memory: "/sys/fs/cgroup/cpu,cpuacct"])
        #expect(joint.projectDirectories(project: "shop") == ["/sys/fs/cgroup/cpu,cpuacct/berth/shop"])
        let v2 = CgroupLayout(v2Directory: "/sys/fs/cgroup/user.slice", v2Controllers: [.memory])
        #expect(v2.projectDirectories(project: "shop") == ["/sys/fs/cgroup/user.slice/berth/shop"])
        #expect(CgroupLayout().projectDirectories(project: "shop").isEmpty)
    }

    @Test func onlyACgroupFileSystemIsTouched() throws {
        // An ordinary folder named like a project's cgroups (a forged or stale record) is left as it is.
        let base = FileManager.default.temporaryDirectory.path + "/berth-cgroup-audit12-" + UUID().uuidString
        let project = base + "/berth/shop"
        try FileManager.default.createDirectory(atPath: project + "/web.0.1", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        #expect(!CgroupFiles.removeEmpty(projectDirectory: project))
        #expect(FileManager.default.fileExists(atPath: project + "/web.0.1"))
        // A directory that is gone already counts as removed.
        #expect(CgroupFiles.removeEmpty(projectDirectory: base + "/berth/none"))
    }
}
