import ArgumentParser
import BerthControlProtocol

extension BerthCommand {
    /// `berth scale`: changes replica counts and waits until the new counts are ready.
    struct Scale: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the number of replicas of one or more services.",
            discussion: "Waits until the new replicas are ready (or the old ones stopped), up to --timeout."
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: ArgumentHelp("New replica counts, e.g. web=3 worker=0 (0...1000).", valueName: "service=n"))
        var assignments: [String] = []

        @Option(
            parsing: .unconditional, help: "How long to wait for the new replicas to be ready. (default: 60s)",
            transform: CLIDuration.parse)
        var timeout: CLIDuration = .seconds(60)

        func validate() throws {
            if case .failure(let error) = ScaleAssignment.parseAll(assignments) {
                throw ValidationError(error.description)
            }
        }

        func run() throws {
            let services = try ScaleAssignment.parseAll(assignments).get()
            let context = try ProjectContext.resolve(options, requireManifest: false)
            let request = ScaleRequest(services: services, timeoutMilliseconds: timeout.milliseconds)
            let response = try context.operation("/v1/scale", body: request, timeout: timeout)
            guard response.ok else { throw NotReadyReport.failure(response, summary: "scale failed") }
            let summary = services.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            Terminal.line(response.message.isEmpty ? "scaled \(summary)" : response.message)
        }
    }
}
