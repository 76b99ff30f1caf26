import ArgumentParser
import BerthControlClient
import BerthControlProtocol

extension BerthCommand {
    /// `berth run-now JOB`: start a run of a scheduled job now and wait for it, exiting with its status.
    struct RunNow: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-now",
            abstract: "Run a scheduled job (a service with `schedule:`) now and exit with its status.",
            discussion: """
                Waits until the run ended and exits with the job's status: 0 when it completed, its exit status when \
                it failed, 128+N when signal N ended it (the first failed replica's, with replicas > 1). The job's \
                output is not shown here: `berth logs JOB`. With -d, returns as soon as the run started. \
                Ctrl-C stops waiting, not the run. The run obeys the job's `concurrency`: with `forbid` (the \
                default) it is refused while a run is in progress, with `replace` the running one is stopped first, \
                with `allow` it runs beside it (up to max_concurrent). The schedule does not move. A refused run or \
                a timeout exits 1 with a message on stderr.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(
            help: ArgumentHelp("The scheduled job to run.", valueName: "job"),
            completion: ServiceCompletion.services)
        var job: String

        @Flag(name: [.customShort("d"), .customLong("detach")], help: "Return once the run started.")
        var detach = false

        @Option(
            parsing: .unconditional, help: "How long to wait for the run to end (at most 24h). (default: 86400s)",
            transform: CLIDuration.parse)
        var timeout: CLIDuration = .seconds(86_400)

        func validate() throws {
            if let error = ServiceNameRule.check(job) { throw ValidationError(error.message) }
            if timeout.milliseconds > ControlCommand.maximumTimeoutMilliseconds {
                throw ValidationError("--timeout must be at most 24h, got \(timeout)")
            }
        }

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: false)
            if detach {
                let response = try request(context, RunRequest(), timeout: .seconds(10))
                guard response.ok else { throw CLIFailure(.failure, response.message) }
                Terminal.line(response.message)
                return
            }
            let response = try request(
                context, RunRequest(timeoutMilliseconds: timeout.milliseconds, wait: true), timeout: timeout)
            let outcome = RunOutcome(response)
            if let failure = outcome.failure { throw CLIFailure(.failure, failure) }
            Terminal.line(outcome.summary)
            if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
        }

        private func request(
            _ context: ProjectContext, _ body: RunRequest, timeout: CLIDuration
        ) throws(CLIFailure) -> OperationResponse {
            do {
                return try context.client(timeout: timeout.duration + ProjectContext.answerMargin)
                    .perform("POST", "/v1/services/\(job)/run", body: body)
            } catch {
                throw Self.failure(error, project: context.projectLabel)
            }
        }

        /// A refusal (the daemon answered 4xx: unknown job, no schedule, a run in progress) exits `.refused`, with the
        /// daemon's reason; anything else (its timeout, no daemon, a lost connection) maps as for every command.
        static func failure(_ error: ControlClientError, project: String) -> CLIFailure {
            var failure = CLIFailure(error, project: project)
            if case .api(let refusal) = error, (400..<500).contains(refusal.status) { failure.exitCode = .refused }
            return failure
        }
    }
}
