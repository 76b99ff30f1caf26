import Glibc
import Testing

@testable import BerthProcess

/// A child whose pidfd could not be opened (descriptors exhausted: `berthd` under `ulimit -n 128`) is heard by a
/// drain the pump runs every 10 ms while such a child lives. The old code started a libdispatch SIGCHLD source at
/// that moment, which needs a new descriptor (a signalfd) exactly when there is none; berthd died once in CI there.
@Suite struct NoPidfdTests {
    let withoutPidfds: ProcessLauncher

    init() throws { withoutPidfds = try ProcessLauncher(childOpenFileLimit: nil, opensPidfds: false) }

    @Test func aKilledChildWithoutAPidfdIsHeardSoonAndNoSignalfdIsOpened() async throws {
        // The fast drain hears the exit within ~10 ms; the once-a-second sweep alone would take up to 1 s. Under load
        // one round of five must come in under 500 ms (a broken fast drain misses in nearly every round).
        var fastest: Duration = .seconds(1000)
        for _ in 0..<5 {
            let recorder = Recorder()
            let pid = try withoutPidfds.spawn(
                request(["/bin/sleep", "100"], captureOutput: false), onOutput: recorder.record,
                onExit: recorder.exited)
            try await Task.sleep(for: .milliseconds(20))
            let killed = ContinuousClock.now
            #expect(withoutPidfds.signalGroup(pid, SIGKILL))
            #expect(try await recorder.waitForExit() == .signaled(SIGKILL, coreDumped: false))
            fastest = min(fastest, try #require(recorder.exitInstant) - killed)
            #expect(recorder.exits.count == 1)
            if fastest < .milliseconds(500) { break }
        }
        #expect(fastest < .milliseconds(500), "fastest exit heard after \(fastest)")
        // Every such child reaped: the fast drain stops.
        try await eventually("the fast drain to stop") {
            launcher.reaper.state.withLock { $0.unwatched.isEmpty && !$0.unwatchedArmed }
        }
        #expect(!Self.openDescriptorTargets().contains { $0.contains("signalfd") }, "a signalfd was opened")
    }

    @Test func aChildWithoutAPidfdThatExitsByItselfIsReportedWithItsOutput() async throws {
        let recorder = Recorder()
        _ = try withoutPidfds.spawn(sh("echo done; exit 3"), onOutput: recorder.record, onExit: recorder.exited)
        #expect(try await recorder.waitForExit() == .exited(3))
        #expect(recorder.texts == ["done"])
    }

    static func openDescriptorTargets() -> [String] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var targets: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            var buffer = [CChar](repeating: 0, count: 256)
            let count = readlink("/proc/self/fd/\(name)", &buffer, buffer.count - 1)
            if count > 0 {
                targets.append(String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return targets
    }
}
