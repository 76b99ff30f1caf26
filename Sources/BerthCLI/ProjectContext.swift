import BerthControlClient
import BerthControlProtocol
import BerthManifest
import BerthManifestYAML
import Foundation

/// Where a command finds its daemon: the manifest (when needed) and the project's paths.
///
/// With `--socket` or `BERTH_SOCKET`, commands that only talk to the daemon need no manifest; `up` and `check`
/// always load it.
struct ProjectContext {
    var manifest: Manifest?
    var paths: ProjectPaths
    var environment: [String: String]

    /// The environment with `--socket` folded in as `BERTH_SOCKET`, so that `ProjectPaths` sees one source.
    static func environment(_ options: some ProjectOptions) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let socket = options.socket, !socket.isEmpty {
            environment["BERTH_SOCKET"] = socket
        }
        return environment
    }

    /// Resolves the project; loads the manifest only when `requireManifest` or no socket is given.
    static func resolve(_ options: some ProjectOptions, requireManifest: Bool) throws(CLIFailure) -> Self {
        let environment = environment(options)
        if !requireManifest, let socket = environment["BERTH_SOCKET"], !socket.isEmpty {
            let paths = ProjectPaths.defaults(project: "", environment: environment)
            return Self(manifest: nil, paths: paths, environment: environment)
        }
        let manifest: Manifest
        do {
            manifest = try loadManifest(options.file, environment: environment)
        } catch {
            // A manifest broken while its project runs must not keep `down`, `status` or `stop` from its daemon.
            guard !requireManifest, let project = ManifestLoader.projectName(path: options.file) else { throw error }
            Terminal.error("warning: \(error.message); reaching project \(project)'s daemon all the same")
            for line in error.details { Terminal.error(line) }
            let paths = ProjectPaths.defaults(project: project, environment: environment)
            return Self(manifest: nil, paths: paths, environment: environment)
        }
        let paths = ProjectPaths.defaults(project: manifest.project, environment: environment)
        return Self(manifest: manifest, paths: paths, environment: environment)
    }

    /// Loads and validates a manifest; every diagnostic becomes a detail line of the failure. `user:` and `group:`
    /// are checked against this machine unless `accounts` is `.skip` (exports).
    static func loadManifest(
        _ path: String, environment: [String: String], accounts: AccountCheck = .current
    ) throws(CLIFailure) -> Manifest {
        do {
            return try ManifestLoader.load(path: path, environment: environment, accounts: accounts)
        } catch {
            let count = error.errors.count
            throw CLIFailure.failed(
                "\(path): invalid manifest (\(count) \(count == 1 ? "error" : "errors"))",
                details: error.diagnostics.map(\.description)
            )
        }
    }

    /// A client of this project's daemon; `timeout` bounds each request.
    func client(timeout: Duration = .seconds(10)) -> ControlClient {
        ControlClient(socketPath: paths.socket, timeout: timeout)
    }

    /// How to name the project in messages: its name, when a manifest was loaded.
    var projectLabel: String {
        manifest.map { "project \($0.project)" } ?? "the project"
    }
}
