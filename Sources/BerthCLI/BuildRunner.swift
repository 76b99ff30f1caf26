import BerthControlProtocol
import BerthManifest
import Foundation

/// Runs the manifest's `build:` steps for `berth up`, in the CLI before the daemon starts: the output reaches the
/// terminal as it comes, and berthd's reaper (which takes every child of the daemon) never sees the build.
///
/// Each distinct step (same command and workdir) runs once; a step is skipped while the fingerprint of its inputs
/// equals the one stored after its last success (`STATE_DIR/builds/NAME.fingerprint`); its output is also kept in
/// `STATE_DIR/builds/NAME.log`.
struct BuildRunner {
    /// How many lines of a failed build's output the error shows.
    static let failureLines = 20

    var stateDirectory: String
    var environment: [String: String]
    var force: Bool

    var buildsDirectory: String { stateDirectory + "/builds" }

    func runAll(_ manifest: Manifest) throws(CLIFailure) {
        for step in manifest.buildSteps {
            try run(step)
        }
    }

    func run(_ step: BuildStep) throws(CLIFailure) {
        let spec = step.spec
        let name = BuildFingerprint.name(spec.identity)
        let label =
            step.services.count <= 3
            ? "build (\(step.services.joined(separator: ", ")))"
            : "build (\(step.services.prefix(2).joined(separator: ", ")) and \(step.services.count - 2) more)"
        let fingerprint = BuildFingerprint.compute(spec.identity, files: BuildInputScanner.scan(spec))
        let fingerprintFile = buildsDirectory + "/" + name + ".fingerprint"
        let stored = (try? String(contentsOfFile: fingerprintFile, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let reason: BuildDecision.Reason
        switch BuildDecision.decide(
            stored: stored, current: fingerprint, hasInputs: !spec.inputs.isEmpty,
            force: force)
        {
        case .skip:
            Terminal.line("\(label): up to date, skipped")
            return
        case .run(let why):
            reason = why
        }
        Terminal.line(
            "\(label): running \(spec.command.joined(separator: " ")) in \(spec.workdir) (\(reason.rawValue))")
        try DaemonLauncher.makeDirectory(buildsDirectory)
        let started = ContinuousClock.now
        let (status, tail) = try execute(spec, logPath: buildsDirectory + "/" + name + ".log")
        let elapsed = ContinuousClock.now - started
        guard status == 0 else {
            throw .failed(
                "\(label) failed with exit status \(status) after \(Self.seconds(elapsed)) s",
                details: ["last lines of its output (all of it: \(buildsDirectory)/\(name).log):"]
                    + tail.map { "  \($0)" }
            )
        }
        do {
            try (fingerprint + "\n").write(toFile: fingerprintFile, atomically: true, encoding: .utf8)
        } catch {
            throw .failed("cannot write \(fingerprintFile): \(error.localizedDescription)")
        }
        Terminal.line("\(label): done in \(Self.seconds(elapsed)) s")
    }

    /// Runs the command with stdout and stderr on one pipe, echoing each line; the exit status (128 + N for a
    /// signal) and the last lines.
    private func execute(_ spec: BuildSpec, logPath: String) throws(CLIFailure) -> (Int32, [String]) {
        guard let program = Self.resolve(spec.command[0], path: environment["PATH"] ?? "/usr/bin:/bin") else {
            throw .failed("build command '\(spec.command[0])' not found on PATH")
        }
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        defer { try? log?.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(spec.command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: spec.workdir)
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw .failed("cannot start build command \(program) in \(spec.workdir): \(error.localizedDescription)")
        }
        try? pipe.fileHandleForWriting.close()
        var tail: [String] = []
        var pending = Data()
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            log?.write(chunk)
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                Terminal.line("  | " + line)
                tail.append(line)
                if tail.count > Self.failureLines { tail.removeFirst() }
            }
        }
        if !pending.isEmpty {
            let line = String(decoding: pending, as: UTF8.self)
            Terminal.line("  | " + line)
            tail.append(line)
            if tail.count > Self.failureLines { tail.removeFirst() }
        }
        process.waitUntilExit()
        let status =
            process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return (status, tail)
    }

    /// `program` itself if it contains a `/` (relative to nothing: callers give absolute or PATH names), else the
    /// first executable match on `path`.
    static func resolve(_ program: String, path: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = folder + "/" + program
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return String(format: "%.1f", Double(milliseconds) / 1000)
    }
}
