import BerthControlClient
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// audit12, the control socket under concurrent commands: six `berth down` at once. The daemon removes its socket's
/// directory as it exits, and a `berth` whose check of that directory (`TrustedPath`) ran into the removal answered
/// `refusing to use the control socket ...: cannot stat /run/berth/P: No such file or directory`, exit 77 (as for
/// another user's directory), where the others said `no daemon running` (69). A directory that is gone is now no
/// daemon, whenever it went.
@Suite(.serialized, .timeLimit(.minutes(1))) struct SocketDirectoryRaceAudit12Tests {
    @Test func aSocketDirectoryRemovedDuringTheCheckMeansNoDaemon() throws {
        let base = FileManager.default.temporaryDirectory.path + "/berth-race-audit12-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: base) }
        chmod(base, 0o700)
        let directory = base + "/p"
        let socket = directory + "/control.sock"
        // Another thread makes and removes the directory as fast as it can, as a daemon exiting would once.
        let stop = Atomic<Bool>(false)
        let stopped = Atomic<Bool>(false)
        let churn = Thread {
            while !stop.load(ordering: .relaxed) {
                mkdir(directory, 0o700)
                rmdir(directory)
            }
            stopped.store(true, ordering: .relaxed)
        }
        churn.start()
        var untrusted: [String] = []
        var other: [String] = []
        let deadline = Date() + 2
        var tries = 0
        while Date() < deadline, tries < 50_000 {
            tries += 1
            do {
                _ = try ControlClient(socketPath: socket, timeout: .seconds(1)).status()
                other.append("an answer")
            } catch .noDaemon {
                continue
            } catch .untrustedPath(_, let reason) {
                untrusted.append(reason)
            } catch {
                other.append(error.description)
            }
        }
        stop.store(true, ordering: .relaxed)
        while !stopped.load(ordering: .relaxed) { usleep(1000) }
        #expect(untrusted.count == 0, "\(untrusted.count) of \(tries) refused: \(untrusted.prefix(3))")
        #expect(other.isEmpty, "\(other.prefix(3))")
    }
}
