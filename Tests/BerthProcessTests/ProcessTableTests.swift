import BerthProcess
import Glibc
import Testing

@Suite("ProcessTable (/proc) and user switching")
struct ProcessTableTests {
    @Test func findsAChildByItsEnvironmentMarker() async throws {
        let marker = "marker-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var environment = baseEnvironment
        environment["BERTH_INSTANCE"] = marker
        let (pid, recorder) = try start(request(["/bin/sleep", "10"], environment: environment))
        try await eventually("exec of the child") {
            ProcessTable.pids(withEnvironment: "BERTH_INSTANCE", value: marker) == [pid]
        }
        #expect(ProcessTable.pids(withEnvironment: "BERTH_INSTANCE", value: marker + "x").isEmpty)
        #expect(ProcessTable.isAlive(pid))
        let startTime = try #require(ProcessTable.startTime(of: pid))
        #expect(startTime >= ProcessTable.startTime(of: getpid()) ?? 0)
        try await killAndReap(pid, recorder)
        #expect(!ProcessTable.isAlive(pid))
        #expect(ProcessTable.startTime(of: pid) == nil || ProcessTable.startTime(of: pid) != startTime)
    }

    @Test func processGroupOfTheTestProcess() {
        #expect(ProcessTable.processGroup(of: getpid()) == getpgrp())
        #expect(ProcessTable.isAlive(getpid()))
        #expect(!ProcessTable.isAlive(0))
    }

    @Test(.enabled(if: getuid() == 0, "user switching needs root"))
    func switchesToNobody() async throws {
        let (pid, recorder) = try start(request(["/bin/sleep", "10"], user: "nobody"))
        try await eventually("exec of the child") {
            readText("/proc/\(pid)/cmdline")?.hasPrefix("/bin/sleep") == true
        }
        let status = try #require(readText("/proc/\(pid)/status"))
        let lines = status.split(separator: "\n")
        #expect(lines.contains("Uid:\t65534\t65534\t65534\t65534"))
        #expect(lines.contains("Gid:\t65534\t65534\t65534\t65534"))
        #expect(lines.contains { $0.hasPrefix("Groups:") && !$0.contains(" 0") && $0.contains("65534") })
        try await killAndReap(pid, recorder)
    }

    @Test(.enabled(if: getuid() == 0, "user switching needs root"))
    func numericUserAndGroup() async throws {
        let (recorder, status) = try await run(sh("id -u; id -g; id -G"), timeout: .seconds(10))
        #expect(status == .exited(0))
        #expect(recorder.texts.first == "0")
        let switched = request(["/bin/sh", "-c", "id -u; id -g; id -G"], user: "12345", group: "54321")
        let (other, _) = try await run(switched)
        #expect(other.texts == ["12345", "54321", "54321"])
    }
}
