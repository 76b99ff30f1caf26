import BerthControlProtocol
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension BerthCommand.Up {
    /// Foreground `up`: follows every replica's output; SIGINT/SIGTERM bring the project down, print "stopped" and
    /// exit 0. The daemon going away on its own is a failure.
    func follow(_ context: ProjectContext, fromStart: Bool) throws(CLIFailure) {
        let shutdown = ShutdownOnSignal(context: context, timeout: timeout)
        let status = try context.status()
        var formatter = LogLineFormatter(
            colour: Terminal.stdoutIsTTY,
            escape: Terminal.stdoutIsTTY,
            services: status.services.map(\.name),
            labels: LogLineFormatter.labels(status)
        )
        // A daemon started just now has only this run's lines; one found running may have days of them.
        let query = LogQuery(tail: fromStart ? nil : 100, follow: true)
        let ended: CLIFailure?
        do {
            try context.streamLogs(query) { entry in
                Terminal.line(formatter.format(entry))
                return true
            }
            ended = nil
        } catch {
            ended = error
        }
        shutdown.parkIfStopping()
        throw .failed(
            "the daemon of \(context.projectLabel) went away" + (ended.map { " (\($0.message))" } ?? ""),
            details: ["  its log: \(context.paths.daemonLog)"]
        )
    }
}

/// Turns the first SIGINT or SIGTERM into `POST /v1/down`, then "stopped" and exit 0; a second one exits at once.
///
/// The handlers run on a Dispatch queue while the main thread blocks in the log stream; the stream ends when the
/// daemon exits, and the main thread must then wait for the handler instead of reporting a lost daemon.
final class ShutdownOnSignal {
    /// Whether a signal has started the shutdown; shared with the handlers.
    private final class Flag: Sendable {
        let raised = Mutex(false)

        /// Raises the flag; true for the first caller only.
        func raise() -> Bool {
            raised.withLock { raised in
                defer { raised = true }
                return !raised
            }
        }
    }

    private let flag = Flag()
    private let sources: [any DispatchSourceSignal]

    init(context: ProjectContext, timeout: CLIDuration) {
        let queue = DispatchQueue(label: "berth.signals")
        let flag = self.flag
        sources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                Self.handle(context: context, timeout: timeout, first: flag.raise())
            }
            source.resume()
            return source
        }
    }

    private static func handle(context: ProjectContext, timeout: CLIDuration, first: Bool) -> Never {
        guard first else {
            Terminal.error("berth: interrupted again: not waiting for \(context.projectLabel) to stop")
            exit(BerthExitCode.failure.rawValue)
        }
        Terminal.error("berth: stopping \(context.projectLabel)")
        do {
            try BerthCommand.Down.bringDown(context, timeout: timeout)
            Terminal.line("stopped")
            exit(BerthExitCode.success.rawValue)
        } catch {
            BerthCLI.report(error)
            exit(error.exitCode.rawValue)
        }
    }

    /// Blocks forever if a signal started the shutdown (its handler exits the process); returns otherwise.
    func parkIfStopping() {
        guard flag.raised.withLock({ $0 }) else { return }
        while true {
            pause()
        }
    }
}
