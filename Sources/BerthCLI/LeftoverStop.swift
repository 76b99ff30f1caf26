import BerthControlProtocol
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What `berth down` does when no daemon answers (outside audit, audit11): a berthd killed by SIGKILL or the OOM
/// killer leaves its replicas running, recorded in the state directory's `state.json`, and only a new daemon stopped
/// them. `berthd --clean-up` does what a restarted daemon does first (only processes carrying the killed daemon's
/// mark, with their recorded start time, running as us) and exits; the CLI never signals a process itself.
enum LeftoverStop {
    /// The pids stopped; nil when there is no record of a killed daemon to act on (the project is not running).
    static func run(_ context: ProjectContext) throws(CLIFailure) -> [Int32]? {
        // Without a project (`--socket` alone) the state directory is unknown, unless BERTH_STATE_DIR names it.
        let stateDirectoryKnown = !context.paths.project.isEmpty || context.environment["BERTH_STATE_DIR"] != nil
        guard stateDirectoryKnown else { return nil }
        var info = stat()
        guard lstat(context.paths.stateFile, &info) == 0 else { return nil }
        let daemon = try DaemonLauncher.locate(environment: context.environment)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: daemon)
        process.arguments = [
            "--clean-up", "--socket", context.paths.socket, "--state-dir", context.paths.stateDirectory,
        ]
        process.environment = context.environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw .failed("cannot start \(daemon): \(error.localizedDescription)")
        }
        // berthd prints one short line on each; neither pipe can fill up before it exits.
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: complaints, as: UTF8.self).split(separator: "\n").map(String.init)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw .failed(
                "no daemon answers for \(label(context)), and what a killed one left could not be stopped",
                details: lines)
        }
        for line in lines { Terminal.error(TerminalText.visible(line)) }
        return String(decoding: printed, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap {
            Int32($0)
        }
    }

    /// What `berth down` says after stopping `pids`, what a killed daemon left running for `label`.
    static func report(_ pids: [Int32], of label: String) -> String {
        let what = pids.count == 1 ? "the 1 process" : "the \(pids.count) processes"
        let list = pids.map(String.init).joined(separator: " ")
        return "no daemon was running for \(label) (it was killed?): stopped \(what) it left running (pids \(list))"
    }

    /// "project P", from the manifest or the project's paths.
    static func label(_ context: ProjectContext) -> String {
        let project = context.manifest?.project ?? context.paths.project
        return project.isEmpty ? "the project" : "project \(project)"
    }
}
