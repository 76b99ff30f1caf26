import BerthProcess
import Glibc
import Testing

/// Failures in the child after the fork: `spawn` has already returned the pid, so they arrive through `onExit`.
@Suite("Exec failures after the fork are reported once, as such, through the exit")
struct ExecFailureTests {
    /// Spawns (which must not throw) and waits for the one exit; checks that no second exit follows.
    private func execFailure(_ request: SpawnRequest) async throws -> (ExitStatus, Recorder) {
        let (pid, recorder) = try start(request)
        #expect(pid > 0)
        let status = try await recorder.waitForExit()
        try await Task.sleep(for: .milliseconds(50))
        #expect(recorder.exits.count == 1)
        #expect(ProcessTable.state(of: pid) == nil || ProcessTable.parent(of: pid) != getpid(), "reaped")
        return (status, recorder)
    }

    /// As `execFailure`, for a file this test just wrote: a fork by a test running in parallel may still hold the
    /// file's write descriptor (until that child's exec closes it), and exec then fails with ETXTBSY. That is this
    /// test's environment, not what is tested: try again, a bounded number of times.
    private func execFailureOfFreshFile(_ request: SpawnRequest) async throws -> (ExitStatus, Recorder) {
        for _ in 0..<20 {
            let result = try await execFailure(request)
            guard case .execFailed(.execFailed(_, errno: ETXTBSY)) = result.0 else { return result }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await execFailure(request)
    }

    @Test func badInterpreterIsNotACrash() async throws {
        let directory = makeUnrunnableScript()
        defer { removeUnrunnableScript(directory) }
        let (status, recorder) = try await execFailureOfFreshFile(request([directory + "/script"]))
        #expect(status == .execFailed(.executableNotFound(directory + "/script")))
        #expect(status.description == "executable not found: '\(directory)/script'")
        #expect(!status.succeeded)
        #expect(recorder.lines.isEmpty)
    }

    @Test func unknownExecutableFormatIsAnExecFailure() async throws {
        let directory = makeTemporaryDirectory()
        defer {
            _ = unlink(directory + "/garbage")
            _ = rmdir(directory)
        }
        // execve gives ENOEXEC for an executable file that is neither ELF nor `#!`.
        writeFile(directory + "/garbage", "\u{7}\u{1}not a program\n", mode: 0o755)
        let (status, _) = try await execFailureOfFreshFile(request([directory + "/garbage"]))
        #expect(status == .execFailed(.execFailed(path: directory + "/garbage", errno: ENOEXEC)))
        #expect(status.description.hasPrefix("cannot execute '\(directory)/garbage': "))
    }

    @Test func execFailuresAreUnregisteredOnceReported() async throws {
        let own = try ProcessLauncher()
        let directory = makeUnrunnableScript()
        defer { removeUnrunnableScript(directory) }
        // Once one spawn got past a parallel test's fork holding the fresh file open (ETXTBSY), all will.
        _ = try await execFailureOfFreshFile(request([directory + "/script"]))
        let recorders = (0..<10).map { _ in Recorder() }
        for recorder in recorders {
            _ = try own.spawn(request([directory + "/script"]), onOutput: recorder.record, onExit: recorder.exited)
        }
        try await eventually("10 exec failures") { recorders.allSatisfy { !$0.exits.isEmpty } }
        #expect(recorders.allSatisfy { $0.exits == [.execFailed(.executableNotFound(directory + "/script"))] })
        #expect(own.runningChildren == 0)
    }

    @Test func anExitOfStatus127IsStillAnExit() async throws {
        let (_, status) = try await run(sh("exit 127"))
        #expect(status == .exited(127))
    }

    @Test func aBurstOfSpawnsLearnsEachExecOutcomeLater() async throws {
        // Mixed successes and exec failures, forked back to back: each child gets its own outcome and one exit.
        let own = try ProcessLauncher()
        let directory = makeUnrunnableScript()
        defer { removeUnrunnableScript(directory) }
        // A fork of a parallel test may hold the fresh file's write descriptor until its exec: the burst's first
        // failures were then ETXTBSY, not "not found". Once one spawn got past that, all will.
        _ = try await execFailureOfFreshFile(request([directory + "/script"]))
        var children: [(pid: Int32, recorder: Recorder, fails: Bool)] = []
        for index in 0..<20 {
            let recorder = Recorder()
            let fails = index % 3 == 0
            let arguments = fails ? [directory + "/script"] : ["/bin/sleep", "10"]
            let pid = try own.spawn(request(arguments), onOutput: recorder.record, onExit: recorder.exited)
            children.append((pid, recorder, fails))
        }
        let spawned = children
        try await eventually("the sleeps to exec and the failures to be reported") {
            spawned.allSatisfy { child in
                child.fails
                    ? !child.recorder.exits.isEmpty
                    : readText("/proc/\(child.pid)/cmdline")?.hasPrefix("/bin/sleep") == true
            }
        }
        #expect(own.runningChildren == 13)
        for child in children where !child.fails {
            #expect(child.recorder.exits.isEmpty)
            try await killAndReap(child.pid, child.recorder)
        }
        for child in children {
            let failure = ExitStatus.execFailed(.executableNotFound(directory + "/script"))
            let expected = child.fails ? failure : .signaled(SIGKILL, coreDumped: false)
            #expect(child.recorder.exits == [expected])
        }
        #expect(own.runningChildren == 0)
    }
}

/// With `user:`, what root could reach but the user cannot fails the start and says as whom.
@Suite("Failures after switching users name the uid")
struct SwitchedUserFailureTests {
    @Test(.enabled(if: geteuid() == 0, "needs root to switch users"))
    func aWorkdirOrProgramTheUserCannotReach() async throws {
        let directory = makeTemporaryDirectory()
        defer {
            _ = unlink(directory + "/tool")
            _ = rmdir(directory)
        }
        chmod(directory, 0o700)
        writeFile(directory + "/tool", "#!/bin/sh\nexit 0\n", mode: 0o700)
        let nobody = try #require(getpwnam("nobody")?.pointee.pw_uid)
        let (_, workdir) = try await run(request(["/bin/true"], workingDirectory: directory, user: "nobody"))
        #expect(workdir.description == "chdir(\(directory)) as uid \(nobody) failed: Permission denied (errno 13)")
        let (_, program) = try await run(request([directory + "/tool"], workingDirectory: "/", user: "nobody"))
        #expect(
            program.description
                == "execve(\(directory)/tool) as uid \(nobody) failed: Permission denied (errno 13)")
        let (recorder, switched) = try await run(request(["/usr/bin/id", "-u"], workingDirectory: "/", user: "nobody"))
        #expect(switched.succeeded && recorder.lines.map(\.text) == ["\(nobody)"])
    }
}
