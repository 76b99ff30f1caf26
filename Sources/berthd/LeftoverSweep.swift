import BerthControlProtocol
import BerthSupervisor
import Glibc
import Logging

/// `berthd --clean-up`: stops what a killed berthd of the project left running, then exits, without starting
/// anything. `berth down` runs it when no daemon answers (outside audit, audit11): a berthd killed by SIGKILL or the
/// OOM killer leaves its replicas running, and only the next `berth up` stopped them, so `berth down` said "no
/// daemon running" and left every process of the project running, and the only way to stop them was to start the
/// project again first.
///
/// The same rules as a restarted daemon's (`LeftoverCleaner`, `LeftoverPlan`): the state directory must be ours
/// alone, the lock must be free (a daemon that holds it and answers is the one to ask), and a process is killed only
/// if it carries the old instance's mark, has the recorded start time and runs as us.
enum LeftoverSweep {
    /// The pids it stopped; empty when nothing was left (or the project never ran here).
    static func run(_ paths: ProjectPaths) throws(DaemonError) -> [Int32] {
        var info = stat()
        guard lstat(paths.stateDirectory, &info) == 0 else { return [] }
        do {
            try StateDirectory.prepare(paths.stateDirectory)
        } catch {
            throw DaemonError(description: error.description)
        }
        let lock: Int32
        do {
            lock = try DaemonLock.take(
                path: paths.stateDirectory + "/berthd.lock", socket: paths.socket, pidFile: paths.pidFile)
        } catch let error as DaemonError {
            throw error
        } catch {
            throw DaemonError(description: "\(error)")
        }
        defer { close(lock) }
        // A daemon that took the lock and died in the same moment as we probed is gone; one that answers is not.
        if SocketProbe.answers(paths.socket) {
            throw DaemonError(description: "another berthd is already serving \(paths.socket)")
        }
        var logger = Logger(label: "berthd") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning  // only what is left alone, and why; the caller reports what was stopped
        do {
            return try LeftoverCleaner.cleanUp(stateFile: paths.stateFile, logger: logger)
        } catch {
            throw DaemonError(description: error.description)
        }
    }
}
