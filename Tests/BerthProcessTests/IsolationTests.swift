import BerthProcess
import Glibc
import Testing

@Suite("Children are isolated: own session and group, stdin from /dev/null, no inherited fds")
struct IsolationTests {
    @Test func childLeadsItsOwnGroupAndSession() async throws {
        let (pid, recorder) = try start(request(["/bin/sleep", "10"]))
        // spawn returns right after the fork: the child calls setsid (then execs) a moment later.
        try await eventually("the child to exec", timeout: .seconds(5)) {
            readText("/proc/\(pid)/cmdline")?.hasPrefix("/bin/sleep") == true
        }
        #expect(ProcessTable.processGroup(of: pid) == pid)
        #expect(ProcessTable.session(of: pid) == pid)
        #expect(ProcessTable.parent(of: pid) == getpid())
        #expect(launcher.signalGroup(pid, SIGKILL))
        #expect(try await recorder.waitForExit() == .signaled(SIGKILL, coreDumped: false))
        #expect(!launcher.signalGroup(pid, SIGKILL))
        #expect(!launcher.signalProcess(pid, 0))
    }

    @Test func stdinIsDevNull() async throws {
        let (recorder, _) = try await run(sh("readlink /proc/self/fd/0; cat; echo done"))
        #expect(recorder.texts == ["/dev/null", "done"])
    }

    @Test func onlyStandardFdsAreInherited() async throws {
        let (pid, recorder) = try start(request(["/bin/sleep", "10"]))
        // The kernel closes close-on-exec fds a moment after /proc/PID/cmdline shows the new program: poll.
        try await eventually("only fds 0, 1, 2 in the child", timeout: .seconds(5)) {
            readText("/proc/\(pid)/cmdline")?.hasPrefix("/bin/sleep") == true
                && listDirectory("/proc/\(pid)/fd")?.sorted() == ["0", "1", "2"]
        }
        try await killAndReap(pid, recorder)
    }

    @Test func signalMaskAndDispositionsAreReset() async throws {
        let (recorder, _) = try await run(sh("grep -E '^(SigBlk|SigIgn):' /proc/self/status"))
        #expect(recorder.texts == ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"])
    }

    @Test func neverSignalsOwnGroupOrEverything() {
        #expect(!launcher.signalGroup(1, 0))
        #expect(!launcher.signalGroup(0, 0))
        #expect(!launcher.signalGroup(-1, 0))
        #expect(!launcher.signalGroup(getpgrp(), 0))
        #expect(!launcher.signalProcess(0, 0))
        #expect(!launcher.signalProcess(getpid(), 0))
    }
}
