import BerthControlProtocol
import BerthLogging
import BerthManifestYAML
import Foundation

/// Where `berth logs` reads: the project (from the manifest, or from the daemon when only a socket is given) and
/// the log driver (the running daemon's, else the manifest's `log.driver`, with `auto` decided like the daemon
/// does: journald when one listens).
struct LogReading {
    var project: String
    var paths: ProjectPaths
    var choice: LogDriverChoice
    /// `service.N` labels known up front (from the daemon's status), to size the label column.
    var labels: [String]
    /// The services the manifest and the running daemon name (nil when neither could be read).
    var services: Set<String>? = nil

    static func resolve(_ options: LogsGlobalOptions) throws(CLIFailure) -> LogReading {
        let environment = ProjectContext.environment(options)
        let manifestExists = FileManager.default.fileExists(atPath: options.file)
        let hasSocket = !(environment["BERTH_SOCKET"] ?? "").isEmpty
        let context: ProjectContext
        do {
            context = try ProjectContext.resolve(options, requireManifest: manifestExists || !hasSocket)
        } catch {
            // audit3: a manifest that does not load (a typo mid-edit, a variable unset in this shell) refused
            // `berth logs`, the command one needs most then. As `status` and `down` do, read them all the same, by
            // the manifest's `name:` line (or the daemon's answer on `--socket`).
            guard manifestExists else { throw error }
            if hasSocket {
                Terminal.error("warning: \(error.message); reading the logs all the same")
                for line in error.details { Terminal.error(line) }
            }
            context = try ProjectContext.resolve(options, requireManifest: false)
        }
        let status = try context.probe()
        let named = context.manifest == nil && manifestExists ? ManifestLoader.projectName(path: options.file) : nil
        guard let project = context.manifest?.project ?? status?.project ?? named else {
            throw CLIFailure.failed(
                "no manifest at \(options.file) and no daemon answers on \(context.paths.socket): "
                    + "cannot tell which project's logs to read")
        }
        let paths = ProjectPaths.defaults(project: project, environment: environment)
        let choice: LogDriverChoice
        if let running = status?.logDriver, let known = LogDriverChoice(rawValue: running) {
            choice = known
        } else if let setting = context.manifest?.log.driver.rawValue {
            // Reading the journal needs its files, not a live journald.
            choice = setting == "journald" ? .journald : (try? LogDriverChoice.resolve(setting)) ?? .file
        } else {
            choice = (try? LogDriverChoice.resolve("auto")) ?? .file
        }
        let labels = status.map(LogLineFormatter.labels) ?? []
        var services: Set<String>?
        if context.manifest != nil || status != nil {
            services = Set(context.manifest?.services.keys.map { $0 } ?? []).union(status?.services.map(\.name) ?? [])
        }
        return LogReading(project: project, paths: paths, choice: choice, labels: labels, services: services)
    }
}
