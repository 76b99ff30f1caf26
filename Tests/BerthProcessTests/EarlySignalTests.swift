import BerthProcess
import Glibc
import Testing

/// `spawn` returns before the child has called setsid: its group may not exist yet when the supervisor signals it.
@Suite("A child signalled right after spawn is signalled, before or after its setsid")
struct EarlySignalTests {
    @Test(arguments: [SIGTERM, SIGKILL])
    func signalRightAfterSpawnReachesTheChild(signal: Int32) async throws {
        for _ in 0..<20 {
            let (pid, recorder) = try start(request(["/bin/sleep", "10"]))
            #expect(launcher.signalGroup(pid, signal))
            let status = try await recorder.waitForExit(timeout: .seconds(5))
            #expect(status == .signaled(signal, coreDumped: false))
            if status != .signaled(signal, coreDumped: false) {
                try await killAndReap(pid, recorder)
            }
        }
    }

    @Test func aReapedChildIsNotSignalledThroughItsPid() async throws {
        let (pid, recorder) = try start(request(["/bin/true"]))
        #expect(try await recorder.waitForExit() == .exited(0))
        #expect(!launcher.signalGroup(pid, 0))
    }
}
