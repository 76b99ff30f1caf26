import BerthProcess
import Glibc
import Testing

@Suite("Spawning and exit statuses")
struct SpawnTests {
    @Test func echoDeliversLinesAndExitStatus() async throws {
        let (pid, recorder) = try start(request(["/bin/echo", "hello", "world"]))
        let status = try await recorder.waitForExit()
        #expect(status == .exited(0))
        #expect(status.succeeded)
        // Every line carries the writer's pid, also one read before `spawn` returned.
        #expect(recorder.lines == [OutputLine(stream: .stdout, text: "hello world", pid: pid)])
    }

    @Test func programIsFoundOnTheChildsPath() async throws {
        let (recorder, status) = try await run(request(["echo", "via PATH"]))
        #expect(status == .exited(0))
        #expect(recorder.texts == ["via PATH"])
    }

    @Test func stderrIsCapturedSeparately() async throws {
        let (recorder, _) = try await run(sh("echo out; echo err >&2"))
        #expect(recorder.lines.contains { $0.stream == .stdout && $0.text == "out" })
        #expect(recorder.lines.contains { $0.stream == .stderr && $0.text == "err" })
    }

    @Test func exitCodesAreDecoded() async throws {
        let (_, status) = try await run(sh("exit 3"))
        #expect(status == .exited(3))
        #expect(!status.succeeded)
        #expect(status.description == "exited with status 3")
    }

    @Test func signalsAreDecoded() async throws {
        let (_, status) = try await run(sh("kill -KILL $$"))
        #expect(status == .signaled(SIGKILL, coreDumped: false))
        #expect(status.description == "killed by SIGKILL")
        let (_, term) = try await run(sh("kill -TERM $$"))
        #expect(term == .signaled(SIGTERM, coreDumped: false))
    }

    @Test func exitStatusDescriptions() {
        #expect(ExitStatus.signaled(11, coreDumped: true).description == "killed by SIGSEGV (core dumped)")
        #expect(ExitStatus.signaled(64, coreDumped: false).description == "killed by signal 64")
        #expect(ExitStatus.signalName(15) == "SIGTERM")
    }

    @Test func outputCanBeDiscarded() async throws {
        let (recorder, status) = try await run(request(["/bin/echo", "dropped"], captureOutput: false))
        #expect(status == .exited(0))
        #expect(recorder.lines.isEmpty)
    }

    @Test func environmentIsExactlyTheRequested() async throws {
        let environment = ["PATH": "/usr/bin:/bin", "BERTH_INSTANCE": "test-1", "EMPTY": ""]
        let (recorder, _) = try await run(request(["/usr/bin/env"], environment: environment))
        #expect(Set(recorder.texts) == ["PATH=/usr/bin:/bin", "BERTH_INSTANCE=test-1", "EMPTY="])
    }

    @Test func workingDirectoryIsApplied() async throws {
        let (recorder, _) = try await run(request(["/bin/pwd"], workingDirectory: "/usr/lib"))
        #expect(recorder.texts == ["/usr/lib"])
    }

    @Test func callbacksOfAnInstantExitAreNotMissed() async throws {
        for _ in 0..<20 {
            let (_, status) = try await run(request(["/bin/true"]))
            #expect(status == .exited(0))
        }
    }
}
