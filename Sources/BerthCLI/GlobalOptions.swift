import ArgumentParser

/// What every command needs to find its project: the manifest, or the daemon's socket.
protocol ProjectOptions {
    var file: String { get }
    var socket: String? { get }
}

/// The options every command shares: which manifest names the project, or which socket reaches its daemon.
struct GlobalOptions: ParsableArguments, ProjectOptions {
    @Option(name: [.customShort("f"), .long], help: "The manifest that names the project.")
    var file: String = "berth.yaml"

    @Option(help: socketHelp)
    var socket: String?
}

/// The same options for `berth logs`, whose `-f` means `--follow` (as in `tail -f`): `--file` has no short name.
struct LogsGlobalOptions: ParsableArguments, ProjectOptions {
    @Option(help: "The manifest that names the project.")
    var file: String = "berth.yaml"

    @Option(help: socketHelp)
    var socket: String?
}

private let socketHelp = ArgumentHelp(
    "The daemon's control socket (default: derived from the manifest's project; env BERTH_SOCKET).",
    valueName: "path"
)
