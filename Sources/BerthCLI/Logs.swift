import ArgumentParser
import BerthControlProtocol

extension BerthCommand {
    /// `berth logs`: the recent output of the project's replicas, optionally followed.
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the output of the replicas as 'service.N | line'."
        )

        @OptionGroup var options: LogsGlobalOptions

        @Argument(help: ArgumentHelp("Only this service, or only one replica of it (web.2).", valueName: "service[.n]"))
        var target: String?

        @Flag(name: .shortAndLong, help: "Keep printing new lines as they come.")
        var follow = false

        @Option(name: [.customShort("n"), .long], help: "How many recent lines to print first.")
        var tail: Int = 100

        func validate() throws {
            if let target, LogTarget(target) == nil {
                throw ValidationError("'\(target)' is not SERVICE or SERVICE.N")
            }
            guard tail >= 0 else { throw ValidationError("--tail must be 0 or more") }
        }

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: false)
            let target = target.flatMap(LogTarget.init)
            let status = try context.status()
            var formatter = LogLineFormatter(
                colour: Terminal.stdoutIsTTY,
                services: status.services.map(\.name),
                labels: LogLineFormatter.labels(status).filter { label in
                    target.map { label.hasPrefix("\($0.service).") } ?? true
                }
            )
            let query = LogQuery(service: target?.service, replica: target?.replica, tail: tail, follow: follow)
            try context.streamLogs(query) { entry in
                Terminal.line(formatter.format(entry))
                return true
            }
        }
    }
}
