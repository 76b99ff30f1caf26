import ArgumentParser
import BerthControlProtocol

extension BerthCommand {
    /// `berth run-now JOB`: start a run of a scheduled job now.
    struct RunNow: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-now",
            abstract: "Start a run of a scheduled job (a service with `schedule:`) now.",
            discussion: """
                The run obeys the job's `concurrency`: with `forbid` (the default) it is refused while a run is in \
                progress, with `replace` the running one is stopped first. The schedule does not move. `berth \
                status` shows the job's last and next run; `berth logs JOB` its output.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(
            help: ArgumentHelp("The scheduled job to run.", valueName: "job"),
            completion: ServiceCompletion.services)
        var job: String

        func validate() throws {
            if let error = ServiceNameRule.check(job) { throw ValidationError(error.message) }
        }

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: false)
            let response = try context.operation(
                "/v1/services/\(job)/run", body: WaitRequest(timeoutMilliseconds: nil),
                timeout: .seconds(10))
            guard response.ok else { throw CLIFailure(.failure, response.message) }
            Terminal.line(response.message)
        }
    }
}
