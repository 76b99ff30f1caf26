import ArgumentParser
import BerthControlProtocol
import BerthManifest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension BerthCommand {
    /// `berth run SERVICE -- CMD...`: a one-off command (a migration, a console) as the service would run it,
    /// attached to the terminal. No daemon is involved: `berth` becomes the command (exec), so its exit status,
    /// signals and job control are the command's own.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a one-off command with a service's environment, secrets, workdir and user.",
            discussion: """
                berth run web -- swift run web migrate; berth run db -- psql. Without a command, runs the \
                service's own command once. The exit status is the command's (126: cannot execute, 127: not found). \
                Switching to the service's user: needs root.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(
            help: ArgumentHelp("The service whose environment, workdir and user to use.", valueName: "service"),
            completion: ServiceCompletion.services)
        var service: String

        @Argument(parsing: .postTerminator, help: ArgumentHelp("The command, after --.", valueName: "command"))
        var command: [String] = []

        func validate() throws {
            guard ServiceNameRule.isValid(service) else {
                throw ValidationError("'\(service)' is not a valid service name")
            }
        }

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let manifest = try ProjectContext.loadManifest(options.file, environment: environment)
            for warning in manifest.warnings { Terminal.error(warning.description) }
            let plan = try OneOffPlan(
                manifest, service: service, command: command, environment: environment,
                currentUID: geteuid(), addresses: try OneOffPlan.runningAddresses(manifest, service, options))
            try OneOffExec.exec(plan)
        }
    }
}
