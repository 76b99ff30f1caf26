import ArgumentParser
import BerthControlProtocol

extension BerthCommand {
    /// `berth down`: stops every service, then the daemon; returns once the daemon has exited.
    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop every service and the daemon; return when the daemon has exited."
        )

        @OptionGroup var options: GlobalOptions

        @Option(
            parsing: .unconditional, help: "How long the services get to stop. (default: 60s)",
            transform: CLIDuration.parse)
        var timeout: CLIDuration = .seconds(60)

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: false)
            let stopped = try Self.bringDownOrStopLeftovers(context, timeout: timeout)
            Terminal.line(stopped)
        }

        /// `bringDown`, or, when no daemon answers, what a killed one left running (audit11); what to print last.
        static func bringDownOrStopLeftovers(
            _ context: ProjectContext, timeout: CLIDuration
        ) throws(CLIFailure) -> String {
            let failure: CLIFailure
            do {
                return try bringDown(context, timeout: timeout)
            } catch {
                failure = error
            }
            guard failure.exitCode == .noDaemon, let stopped = try LeftoverStop.run(context), !stopped.isEmpty else {
                throw failure
            }
            Terminal.line(LeftoverStop.report(stopped, of: LeftoverStop.label(context)))
            return "stopped"
        }

        /// POSTs `/v1/down` and waits for the daemon to exit; the daemon's word for it (`stopped`, or what it killed
        /// at the timeout). A connection cut by the exiting daemon before it answered counts as success once the
        /// socket stops answering.
        @discardableResult
        static func bringDown(_ context: ProjectContext, timeout: CLIDuration) throws(CLIFailure) -> String {
            let body = WaitRequest(timeoutMilliseconds: timeout.milliseconds)
            var response: OperationResponse?
            var cutOff: CLIFailure?
            do {
                response = try context.operation("/v1/down", body: body, timeout: timeout)
            } catch  where error.exitCode == .failure {
                cutOff = error  // An exiting daemon may close before answering: whether it is gone decides.
            }
            if let response, !response.ok {
                throw NotReadyReport.failure(response, summary: "down failed")
            }
            guard context.waitUntilGone(limit: .seconds(10)) else {
                throw cutOff ?? .failed("the daemon of \(context.projectLabel) still answers after stopping")
            }
            // The socket goes away a moment before the process: return only once the daemon has exited.
            if let pid = response?.status?.daemonPID, !DaemonProcess.waitForExit(pid, limit: .seconds(10)) {
                throw .failed("the daemon of \(context.projectLabel) (pid \(pid)) has not exited")
            }
            return response.map { TerminalText.visible($0.message) } ?? "stopped"
        }
    }
}
