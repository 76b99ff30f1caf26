import ArgumentParser
import BerthControlProtocol
import BerthManifest
import BerthSupervisor
import Glibc
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `berthd --file MANIFEST [--socket PATH] [--state-dir DIR]`: supervise one project until SIGTERM/SIGINT or
/// `POST /v1/down`. Normally started by `berth up`, which detaches it; it can also run in the foreground under
/// another supervisor (systemd).
/// `berthd --clean-up --socket PATH --state-dir DIR` only stops what a killed berthd left running and exits (what
/// `berth down` runs when no daemon answers: `LeftoverSweep`).
@main
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berthd",
        abstract: "The Berth daemon: supervises one project's services and serves its control API."
    )

    @Option(name: [.short, .long], help: "The manifest.")
    var file: String = "berth.yaml"

    @Option(help: "The control socket (default: per project and user, see docs/control-api.md; or $BERTH_SOCKET).")
    var socket: String?

    @Option(help: "The state directory (default: per project and user; or $BERTH_STATE_DIR).")
    var stateDir: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(
        name: .customLong("service"),
        help: ArgumentHelp(
            "Start only this service (repeatable; `berth up web` passes web and what it depends on). Default: all.",
            valueName: "name"))
    var services: [String] = []

    @Flag(help: "Watch every service that declares `watch:` (`berth up --watch`), not only those with enabled: true.")
    var watch = false

    @Flag(
        help: ArgumentHelp(
            "Stop what a killed berthd of the project left running, then exit (`berth down` with no daemon).",
            discussion: "Prints the pids it stopped on one line; with --socket and --state-dir, no manifest is read."))
    var cleanUp = false

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
    }

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        if cleanUp, let socket, let stateDir {
            try sweep(ProjectPaths(project: "", socket: socket, stateDirectory: stateDir))
            return
        }
        // berthd parses no YAML: the CLI beside it resolves the file (see `ManifestResolver`). Nothing else runs
        // yet, so the child is reaped here.
        let resolver = ManifestResolver.besideDaemon(environment: environment)
        let manifest: Manifest
        do {
            manifest = try resolver.resolveNow(file: file, environment: environment, reap: true)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        if let socket { environment["BERTH_SOCKET"] = socket }
        if let stateDir { environment["BERTH_STATE_DIR"] = stateDir }
        let paths = ProjectPaths.defaults(project: manifest.project, environment: environment)
        if cleanUp {
            try sweep(paths)
            return
        }
        for name in services where manifest.services[name] == nil {
            printError("berthd: --service \(name): no such service in \(file)")
            throw ExitCode(1)
        }
        let daemon = Daemon(
            manifest: manifest, paths: paths, logLevel: Logger.Level(rawValue: logLevel)!,
            only: services.isEmpty ? nil : Set(services), watch: watch, resolver: resolver)
        // Start-up code (argument parsing, `berth resolve`) is done with: keep resident only what the daemon runs.
        ExecutablePages.keepOnlyWhatIsUsed()
        do {
            try await daemon.run()
        } catch let error as DaemonError {
            printError("berthd: \(error)")
            throw ExitCode(1)
        }
    }
}

extension DaemonCommand {
    /// `--clean-up`: the pids stopped, space-separated, on stdout (an empty line when nothing was left).
    private func sweep(_ paths: ProjectPaths) throws {
        do {
            let stopped = try LeftoverSweep.run(paths)
            print(stopped.map(String.init).joined(separator: " "))
        } catch {
            printError("berthd: \(error)")
            throw ExitCode(1)
        }
    }
}

/// One line on stderr, without Foundation's `FileHandle` (which FoundationEssentials does not have: using it links
/// full Foundation, CoreFoundation and ICU into berthd).
private func printError(_ line: String) {
    var bytes = Array(line.utf8)
    bytes.append(UInt8(ascii: "\n"))
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written < 0, errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
}
