import BerthProcess
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The spawn request's limits: rlimits the child sets on itself, and the cgroups it joins before anything else.
@Suite struct LimitsSpawnTests {
    @Test func openFilesAndCoreAreSoftAndHardLimits() async throws {
        var limited = sh("ulimit -Sn; ulimit -Hn; ulimit -Sc; ulimit -Hc")
        limited.openFilesLimit = 50
        limited.coreLimit = 0
        let (recorder, status) = try await run(limited)
        #expect(status == .exited(0))
        #expect(recorder.lines.map(\.text) == ["50", "50", "0", "0"])
    }

    @Test func aCgroupThatCannotBeJoinedIsAFailedStart() async throws {
        var request = sh("exit 0")
        request.cgroupProcs = ["/nonexistent-berth-cgroup/cgroup.procs"]
        let (_, status) = try await run(request)
        #expect(status == .execFailed(.systemCall("joining the replica's cgroup (cgroup.procs)", errno: ENOENT)))
    }

    /// The child writes "0" to each file: with a plain file standing in for cgroup.procs, that is what it holds.
    @Test func theChildJoinsEachCgroupBeforeExec() async throws {
        let directory = makeTemporaryDirectory()
        defer {
            _ = unlink(directory + "/a")
            _ = unlink(directory + "/b")
            _ = rmdir(directory)
        }
        writeFile(directory + "/a", "", mode: 0o644)
        writeFile(directory + "/b", "", mode: 0o644)
        var request = sh("exit 0")
        request.cgroupProcs = [directory + "/a", directory + "/b"]
        let (_, status) = try await run(request)
        #expect(status == .exited(0))
        #expect(try String(contentsOfFile: directory + "/a", encoding: .utf8) == "0")
        #expect(try String(contentsOfFile: directory + "/b", encoding: .utf8) == "0")
    }
}
