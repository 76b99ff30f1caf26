import BerthProcess
import Glibc
import Synchronization
import Testing

@Suite("Reaping: every child, orphans as subreaper, no zombies")
struct ReapingTests {
    @Test func floodOfShortLivedChildrenIsFullyReaped() async throws {
        let own = try ProcessLauncher()
        let exits = Mutex<[Int32: ExitStatus]>([:])
        var pids: [Int32] = []
        for index in 0..<200 {
            var pid: Int32 = 0
            pid = try own.spawn(
                request(["/bin/sh", "-c", "exit \(index % 4)"], captureOutput: index % 2 == 0),
                onOutput: { _ in },
                onExit: { [index] status in exits.withLock { $0[Int32(index)] = status } })
            pids.append(pid)
        }
        try await eventually("200 exits", timeout: .seconds(30)) { exits.withLock { $0.count } == 200 }
        #expect(own.runningChildren == 0)
        let statuses = exits.withLock { $0 }
        #expect((0..<200).allSatisfy { statuses[Int32($0)] == .exited(Int32($0 % 4)) })
        // Reaped means gone from /proc (or the pid already reused by someone else's process).
        let zombies = pids.filter { ProcessTable.state(of: $0) == "Z" && ProcessTable.parent(of: $0) == getpid() }
        #expect(zombies.isEmpty)
    }

    @Test func grandchildThatEscapesWithSetsidIsReapedAsOrphan() async throws {
        let before = launcher.orphansReaped
        let (recorder, status) = try await run(
            sh("setsid /bin/sleep 5 </dev/null >/dev/null 2>&1 & echo $!"))
        #expect(status == .exited(0))
        let grandchild = try #require(recorder.texts.first.flatMap { Int32($0) })
        // Its parent has exited: as child subreaper we adopted it, in another session.
        #expect(ProcessTable.parent(of: grandchild) == getpid())
        #expect(ProcessTable.session(of: grandchild) == grandchild)
        #expect(launcher.signalProcess(grandchild, SIGKILL))
        try await eventually("the orphan to be reaped", timeout: .seconds(10)) {
            ProcessTable.state(of: grandchild) == nil || ProcessTable.parent(of: grandchild) != getpid()
        }
        #expect(launcher.orphansReaped > before)
    }

    @Test func exitIsReportedSoonWhenADescendantHoldsThePipe() async throws {
        let started = ContinuousClock.now
        // The descendant holds the pipe for 30 s: an exit that waited for the pipe's EOF would come then, far past
        // the 10 s bound; the grace is 100 ms, and the bound leaves a loaded CI machine the rest (it was 1.5 s
        // against a 3 s sleep).
        let (pid, recorder) = try start(sh("/bin/sleep 30 & echo started"))
        let status = try await recorder.waitForExit(timeout: .seconds(10))
        #expect(status == .exited(0))
        let delay = try #require(recorder.exitInstant) - started
        #expect(delay >= .milliseconds(90))
        #expect(delay < .seconds(10))
        #expect(recorder.texts == ["started"])
        // The sleep is still in the child's group: kill it, which also closes the pipe.
        #expect(launcher.signalGroup(pid, SIGKILL))
        try await Task.sleep(for: .milliseconds(200))
        #expect(recorder.exits.count == 1)
    }

    @Test func exitIsReportedWithinTheCapWhenADescendantKeepsWriting() async throws {
        let started = ContinuousClock.now
        let (pid, recorder) = try start(sh("(while :; do echo tick; sleep 0.002; done) & echo started"))
        let status = try await recorder.waitForExit(timeout: .seconds(5))
        #expect(status == .exited(0))
        // After the 100 ms grace, at the first moment the pump is caught up; after 1 s at the latest.
        let delay = try #require(recorder.exitInstant) - started
        #expect(delay >= .milliseconds(90))
        #expect(delay < .seconds(3))
        try await eventually("lines after the exit", timeout: .seconds(3)) {
            recorder.lines.count > recorder.linesAtExit
        }
        #expect(launcher.signalGroup(pid, SIGKILL))
    }

    @Test func outputIsDeliveredBeforeTheExit() async throws {
        for _ in 0..<10 {
            let (recorder, _) = try await run(sh("seq 1 2000"))
            #expect(recorder.linesAtExit == 2000)
            #expect(recorder.texts.last == "2000")
        }
    }
}
