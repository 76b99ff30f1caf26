import BerthProcess
import Glibc
import Synchronization
import Testing

/// A killed child's exit reaches `onExit` from the pump's thread (its pidfd, and the EOF of its pipes), not through
/// SIGCHLD's signal thread and the reaper's queue: two thread wake-ups fewer between kill -9 and the replacement's
/// spawn (issue 16). The SIGCHLD route still runs beside it for orphans and reaps whatever it finds first, and a
/// fork of another test holding the reaper's lock sends the report to the queue, so under a loaded CI machine (the
/// test targets' suites run in parallel) the pump may win only some of the races: at least one of eight kills must
/// be heard there (none were before: the old code fails this; a clean-clone CI run saw 1 of 5).
@Suite struct ExitWatchTests {
    @Test func aKilledChildsExitIsReportedOnThePumpsThread() async throws {
        var onPump = 0
        for _ in 0..<8 {
            let threads = Mutex<(output: pthread_t?, exit: pthread_t?)>((nil, nil))
            let pid = try launcher.spawn(
                sh("echo up; exec /bin/sleep 100"),
                onOutput: { _ in threads.withLock { $0.output = pthread_self() } },
                onExit: { _ in threads.withLock { $0.exit = pthread_self() } })
            try await eventually("the child's line") { threads.withLock { $0.output != nil } }
            #expect(launcher.signalGroup(pid, SIGKILL))
            try await eventually("the exit") { threads.withLock { $0.exit != nil } }
            let (output, exit) = threads.withLock { $0 }
            if let output, let exit, pthread_equal(output, exit) != 0 { onPump += 1 }
        }
        #expect(onPump >= 1, "exits reported on the pump's thread: \(onPump) of 8")
    }

    @Test func aChildWithoutPipesIsReapedThroughItsPidfd() async throws {
        // No output captured: only the pidfd (or SIGCHLD) can tell; the exit must still come, once.
        let (pid, recorder) = try start(request(["/bin/sleep", "100"], captureOutput: false))
        #expect(launcher.signalGroup(pid, SIGKILL))
        #expect(try await recorder.waitForExit() == .signaled(SIGKILL, coreDumped: false))
        try await Task.sleep(for: .milliseconds(100))
        #expect(recorder.exits.count == 1)
        #expect(ProcessTable.state(of: pid) == nil || ProcessTable.parent(of: pid) != getpid())
    }
}
