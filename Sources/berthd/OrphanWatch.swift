import BerthSystem
import Glibc
import Logging
import ServiceLifecycle

/// Stops the project when berthd's control socket or state directory is removed or replaced (audit5: after a full
/// integration run, berthd of test projects whose temporary directories were deleted ran on, unreachable: nothing
/// could send them `berth down` any more, and their replicas ran with them). Returning ends the daemon gracefully,
/// as SIGTERM does: every replica is stopped first.
///
/// Polls two `lstat`s every few seconds (no inotify: the socket's directory may itself go); an idle daemon wakes
/// for it a fraction of a millisecond per interval.
struct OrphanWatch: Service {
    let socketPath: String
    let stateDirectory: String
    let logger: Logger
    var interval: Duration = .seconds(5)

    /// `BERTH_ORPHAN_POLL_SECONDS` (tests shorten it), else 5 s.
    static func interval(_ environment: [String: String]) -> Duration {
        guard let text = environment["BERTH_ORPHAN_POLL_SECONDS"], let seconds = Double(text), seconds > 0,
            seconds <= 3600
        else { return .seconds(5) }
        return .milliseconds(Int(seconds * 1000))
    }

    /// What is watched: the inodes of the socket file and the state directory once both exist.
    struct Anchor: Equatable {
        var socket: ino_t
        var stateDirectory: ino_t

        /// Why the daemon lost its home, or nil while both are still the ones it started with.
        func loss(
            socket now: ino_t?, stateDirectory directoryNow: ino_t?, socketPath: String, directory: String
        )
            -> String?
        {
            if now == nil { return "its control socket \(socketPath) was removed" }
            if now != socket { return "its control socket \(socketPath) was replaced" }
            if directoryNow == nil { return "its state directory \(directory) was removed" }
            if directoryNow != stateDirectory { return "its state directory \(directory) was replaced" }
            return nil
        }
    }

    /// How long the watch waits for the control server's socket to appear before it counts as lost.
    static let publishBound: Duration = .seconds(30)

    func run() async {
        await cancelWhenGracefulShutdown {
            // The control server publishes the socket as the group starts: wait for it, bounded (a socket removed
            // before the first look once left this loop waiting for ever, and the daemon running unreachable).
            var anchor: Anchor?
            let deadline = ContinuousClock.now + Self.publishBound
            while anchor == nil, !Task.isCancelled {
                if let socket = Self.inode(socketPath), let directory = Self.inode(stateDirectory) {
                    anchor = Anchor(socket: socket, stateDirectory: directory)
                } else if ContinuousClock.now >= deadline {
                    let what =
                        Self.inode(stateDirectory) == nil
                        ? "state directory \(stateDirectory)" : "control socket \(socketPath)"
                    orphaned("its \(what) is missing")
                    return
                } else {
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            guard let anchor else { return }
            while !Task.isCancelled {
                guard (try? await Task.sleep(for: interval)) != nil else { return }
                if let loss = anchor.loss(
                    socket: Self.inode(socketPath), stateDirectory: Self.inode(stateDirectory),
                    socketPath: socketPath, directory: stateDirectory)
                {
                    orphaned(loss)
                    return
                }
            }
        }
    }

    private func orphaned(_ loss: String) {
        logger.warning(
            "\(loss): nothing can reach this daemon any more; stopping the project", metadata: ["event": "orphaned"])
    }

    private static func inode(_ path: String) -> ino_t? {
        var info = stat()
        guard System.retrying({ lstat(path, &info) }) == 0 else { return nil }
        return info.st_ino
    }
}
