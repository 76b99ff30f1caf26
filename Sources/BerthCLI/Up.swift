import ArgumentParser
import BerthResources
import BerthControlProtocol

extension BerthCommand {
    /// `berth up`: validates the manifest, starts the project's daemon if none runs, then either waits until
    /// everything is ready (`-d`) or follows the logs until Ctrl-C brings the project down.
    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the project's daemon and its services.",
            discussion: """
                Without -d, follows the logs of every replica; Ctrl-C (or SIGTERM) stops everything. With -d, \
                returns once every replica is ready, leaving the daemon running in the background.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Flag(name: [.customShort("d"), .customLong("detach")], help: "Return once everything is ready.")
        var detach = false

        @Option(help: "With -d: how long to wait for readiness. Without: how long services get to stop.")
        var timeout: CLIDuration = .seconds(60)

        @Flag(help: "Run every build step even when its inputs are unchanged.")
        var build = false

        @Flag(name: .customLong("no-build"), help: "Skip the build steps.")
        var noBuild = false

        func validate() throws {
            if build, noBuild { throw ValidationError("--build and --no-build cannot be used together") }
        }

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: true)
            for warning in context.manifest.map({ $0.warnings + $0.limitWarnings(CgroupSupport.current()) }) ?? [] {
                Terminal.error(warning.description)
            }
            if !noBuild, let manifest = context.manifest {
                try BuildRunner(stateDirectory: context.paths.stateDirectory, environment: context.environment,
                    force: build).runAll(manifest)
            }
            let startedNow = try ensureDaemon(context)
            if !startedNow, let manifest = context.manifest {
                // A daemon runs already: bring it up to date with the manifest, as `berth reload` does.
                try Reload.reload(context, file: manifest.file, dryRun: false, timeout: timeout)
            }
            if detach {
                try waitUntilReady(context)
            } else {
                try follow(context, fromStart: startedNow)
            }
        }

        /// Starts the daemon unless one answers already; true if this call started it.
        func ensureDaemon(_ context: ProjectContext) throws(CLIFailure) -> Bool {
            if let running = try context.probe() {
                if let manifest = context.manifest, running.manifest != manifest.file {
                    Terminal.error("berth: note: the running daemon was started with \(running.manifest)")
                }
                return false
            }
            let launcher = DaemonLauncher(
                executable: try DaemonLauncher.locate(environment: context.environment),
                manifestFile: context.manifest?.file ?? options.file,
                paths: context.paths
            )
            let started = try launcher.start(environment: context.environment)
            _ = try DaemonLauncher.awaitAnswer(started, context: context)
            return true
        }
    }
}
