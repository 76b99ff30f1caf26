import BerthProcess
import Glibc
import Synchronization
import Testing

/// A killed child's exit reaches `onExit` from the pump's thread (its pidfd, and the EOF of its pipes), not through
/// SIGCHLD's signal thread and the reaper's queue: two thread wake-ups fewer between kill -9 and the replacement's
/// spawn (issue 16). A fork holding the reaper's lock at that moment sends the report to the queue as before, so
/// most, not all, of a few kills must be heard on the pump (none were before).
@Suite struct ExitWatchTests {
    @Test func aKilledChildsExitIsReportedOnThePumpsThread() async throws {
        var onPump = 0
        for _ in 0..<5 {
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
        #expect(onPump >= 3, "exits reported on the pump's thread: \(onPump) of 5")
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
