import ArgumentParser
import BerthControlProtocol
import BerthManifest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension BerthCommand {
    /// `berth exec SERVICE.N -- CMD...`: `berth run` with one running replica's own variables (`PORT`,
    /// `BERTH_REPLICA`), asked from the daemon, to talk to that replica or inspect it.
    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command as 'berth run' does, with one replica's PORT and BERTH_REPLICA.",
            discussion: """
                berth exec web.1 -- curl -s http://127.0.0.1:$PORT/health (quote $PORT for your shell, or use sh -c). \
                The replica must exist in the running daemon; the command does not run inside it.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(
            help: ArgumentHelp(
                "The replica whose variables to use (web.1; web means web.0).", valueName: "service[.n]"),
            completion: ServiceCompletion.services)
        var target: String

        @Argument(parsing: .postTerminator, help: ArgumentHelp("The command, after --.", valueName: "command"))
        var command: [String] = []

        func validate() throws {
            guard LogTarget(target) != nil else {
                throw ValidationError("'\(target)' is not a service or replica: \(LogTarget.expected)")
            }
        }

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: true)
            guard let manifest = context.manifest, let parsed = LogTarget(target) else { return }
            let index = parsed.replica ?? 0
            let status = try context.status()
            guard
                let replica = status.services.first(where: { $0.name == parsed.service })?.replicas
                    .first(where: { $0.index == index })
            else {
                throw CLIFailure.failed("\(parsed.service) has no replica \(index) in the running daemon")
            }
            let plan = try OneOffPlan(
                manifest, service: parsed.service, command: command,
                environment: ProcessInfo.processInfo.environment, currentUID: geteuid(),
                replica: (index: index, port: replica.port),
                addresses: manifest.services[parsed.service].map {
                    OneOffPlan.addresses(of: $0, in: manifest, status: status).values
                } ?? [:])
            try OneOffExec.exec(plan)
        }
    }
}
