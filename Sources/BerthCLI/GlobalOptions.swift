import ArgumentParser
import Foundation

/// What every command needs to find its project: the manifest, or the daemon's socket.
protocol ProjectOptions {
    var file: String { get }
    var socket: String? { get }
}

/// The manifest a command uses: `--file`, else `BERTH_FILE`, else `berth.yaml` in the current directory.
enum ManifestPath {
    static let fallback = "berth.yaml"

    static func resolve(_ explicit: String?, environment: [String: String]) -> String {
        if let explicit { return explicit }
        if let variable = environment["BERTH_FILE"], !variable.isEmpty { return variable }
        return fallback
    }
}

/// The options every command shares: which manifest names the project, or which socket reaches its daemon.
struct GlobalOptions: ParsableArguments, ProjectOptions {
    @Option(name: [.customShort("f"), .customLong("file")], help: fileHelp)
    var explicitFile: String?

    @Option(help: socketHelp)
    var socket: String?

    var file: String { ManifestPath.resolve(explicitFile, environment: ProcessInfo.processInfo.environment) }
}

/// The same options for `berth logs`, whose `-f` means `--follow` (as in `tail -f`): `--file` has no short name
/// after `logs` (`berth -f FILE logs` still works, see `GlobalArguments`).
struct LogsGlobalOptions: ParsableArguments, ProjectOptions {
    @Option(name: .customLong("file"), help: fileHelp)
    var explicitFile: String?

    @Option(help: socketHelp)
    var socket: String?

    var file: String { ManifestPath.resolve(explicitFile, environment: ProcessInfo.processInfo.environment) }
}

let fileHelp = ArgumentHelp(
    "The manifest that names the project (default: env BERTH_FILE, else berth.yaml).",
    valueName: "file")

private let socketHelp = ArgumentHelp(
    "The daemon's control socket (default: derived from the manifest's project; env BERTH_SOCKET).",
    valueName: "path"
)
