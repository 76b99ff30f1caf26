import ArgumentParser
import BerthControlProtocol
import BerthManifest
import BerthResources

extension BerthCommand {
    /// `berth up`: validates the manifest, starts the project's daemon if none runs, then either waits until
    /// everything is ready (`-d`) or follows the logs until Ctrl-C brings the project down.
    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the project's daemon and its services.",
            discussion: """
                Without -d, follows the logs of every replica; Ctrl-C (or SIGTERM) stops everything. With -d, \
                returns once every replica is ready, leaving the daemon running in the background. \
                Named services start with what they depend on, and nothing else; without names, a service with \
                profiles: starts only when one of them is active (--profile, BERTH_PROFILES=a,b).
                """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(
            help: ArgumentHelp("Only these services and what they depend on (default: all).", valueName: "service"),
            completion: ServiceCompletion.services)
        var services: [String] = []

        @Option(
            name: .customLong("profile"),
            help: ArgumentHelp(
                "Activate a profile: its services start too (repeatable; also BERTH_PROFILES=a,b).", valueName: "name"))
        var profiles: [String] = []

        @Flag(name: [.customShort("d"), .customLong("detach")], help: "Return once everything is ready.")
        var detach = false

        @Option(
            parsing: .unconditional,
            help: "With -d: how long to wait for readiness. Without: how long services get to stop. (default: 60s)",
            transform: CLIDuration.parse)
        var timeout: CLIDuration = .seconds(60)

        @Flag(help: "Run every build step even when its inputs are unchanged.")
        var build = false

        @Flag(name: .customLong("no-build"), help: "Skip the build steps.")
        var noBuild = false

        @Flag(
            help: ArgumentHelp(
                "Watch the services that declare watch: (a change builds and rolls them) until down.",
                discussion: "Without it, only a watch: with enabled: true is watched."))
        var watch = false

        @Option(
            name: .customLong("exit-code-from"),
            help: ArgumentHelp(
                "Follow the output until this one-shot job ends, stop everything, and exit with the job's status.",
                valueName: "job"), completion: ServiceCompletion.services)
        var exitCodeFrom: String?

        func validate() throws {
            if build, noBuild { throw ValidationError("--build and --no-build cannot be used together") }
            if detach, exitCodeFrom != nil {
                throw ValidationError("--exit-code-from waits for the job in the foreground; it cannot be used with -d")
            }
            for name in services + profiles where !ServiceNameRule.isValid(name) {
                throw ValidationError("'\(name)' is not a valid service or profile name")
            }
        }

        /// What this `up` starts, from the names on the command line and the active profiles.
        func selection(_ manifest: Manifest, environment: [String: String]) throws(CLIFailure) -> ServiceSelection {
            let active = ServiceSelection.activeProfiles(options: profiles, environment: environment)
            do {
                return try ServiceSelection(manifest, named: services, profiles: active)
            } catch {
                throw CLIFailure(.usage, error.description)
            }
        }

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: true)
            guard let manifest = context.manifest else { return }
            for warning in manifest.warnings
                + manifest.limitWarnings(CgroupSupport.current(environment: context.environment))
            {
                Terminal.error(warning.description)
            }
            let selection = try selection(manifest, environment: context.environment)
            if let job = exitCodeFrom {
                try checkExitCodeJob(job, in: manifest, selection: selection)
            }
            if watch { try checkWatch(manifest, selection: selection) }
            if !noBuild {
                var selected = manifest
                selected.services = manifest.services.filter { selection.services.contains($0.key) }
                try BuildRunner(
                    stateDirectory: context.paths.stateDirectory, environment: context.environment,
                    force: build
                ).runAll(selected)
            }
            let startedNow = try ensureDaemon(context, selection: selection)
            if !startedNow {
                // A daemon runs already: bring it up to date with the manifest, as `berth reload` does, then start
                // what was asked for (a service it runs already is left as it is).
                try Reload.reload(
                    context, file: manifest.file, dryRun: false, timeout: timeout,
                    start: selection.isEverything ? nil : selection.services, watch: watch)
                // Every selected service, also without names: a partial `up` (or `berth stop`) may have left some
                // out, and the daemon knows them without running them. Running ones answer at once; a scheduled
                // job is scheduled, not run.
                for name in selection.services {
                    try ServiceActionOptions.post(context, action: "start", service: name, timeout: timeout)
                }
            }
            if let job = exitCodeFrom {
                let outcome = try runUntilJobEnds(context, job: job)
                Terminal.line("stopped; \(outcome.summary) (exit \(outcome.exitCode))")
                throw ExitCode(outcome.exitCode)
            } else if detach {
                try waitUntilReady(context, selection: selection)
            } else {
                try follow(context, fromStart: startedNow)
            }
        }

        /// Starts the daemon unless one answers already; true if this call started it.
        func ensureDaemon(_ context: ProjectContext, selection: ServiceSelection) throws(CLIFailure) -> Bool {
            if let running = try context.probe() {
                if let manifest = context.manifest, running.manifest != manifest.file {
                    Terminal.error("berth: note: the running daemon was started with \(running.manifest)")
                }
                return false
            }
            let launcher = DaemonLauncher(
                executable: try DaemonLauncher.locate(environment: context.environment),
                manifestFile: context.manifest?.file ?? options.file,
                paths: context.paths,
                services: selection.isEverything ? [] : selection.services,
                watch: watch
            )
            let started = try launcher.start(environment: context.environment)
            do {
                _ = try DaemonLauncher.awaitAnswer(started, context: context)
            } catch {
                // Two `berth up` at once (audit2): the other's daemon took the socket first and this one exited
                // ("another berthd is already serving"). The project is up all the same: go on with that daemon.
                guard (try? context.probe()) != nil else { throw error }
                return false
            }
            return true
        }
    }
}
