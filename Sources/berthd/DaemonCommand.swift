import ArgumentParser
import BerthControlProtocol
import BerthManifest
import Foundation
import Logging

/// `berthd --file MANIFEST [--socket PATH] [--state-dir DIR]`: supervise one project until SIGTERM/SIGINT or
/// `POST /v1/down`. Normally started by `berth up`, which detaches it; it can also run in the foreground under
/// another supervisor (systemd).
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

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
    }

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        let manifest: Manifest
        do {
            manifest = try ManifestLoader.load(path: file, environment: environment)
        } catch {
            for diagnostic in error.diagnostics {
                FileHandle.standardError.write(Data("\(diagnostic)\n".utf8))
            }
            throw ExitCode(1)
        }
        if let socket { environment["BERTH_SOCKET"] = socket }
        if let stateDir { environment["BERTH_STATE_DIR"] = stateDir }
        let paths = ProjectPaths.defaults(project: manifest.project, environment: environment)
        for name in services where manifest.services[name] == nil {
            FileHandle.standardError.write(Data("berthd: --service \(name): no such service in \(file)\n".utf8))
            throw ExitCode(1)
        }
        let daemon = Daemon(
            manifest: manifest, paths: paths, logLevel: Logger.Level(rawValue: logLevel)!,
            only: services.isEmpty ? nil : Set(services))
        do {
            try await daemon.run()
        } catch let error as DaemonError {
            FileHandle.standardError.write(Data("berthd: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
