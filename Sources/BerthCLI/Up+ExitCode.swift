import BerthControlProtocol
import BerthManifest
import Foundation
import Synchronization

extension BerthCommand.Up {
    /// The job `--exit-code-from` names must be a one-shot service that `up` runs (not a scheduled one).
    func checkExitCodeJob(_ job: String, in manifest: Manifest, selection: ServiceSelection) throws(CLIFailure) {
        guard let spec = manifest.services[job] else {
            throw CLIFailure(
                .usage,
                "--exit-code-from: no service '\(job)' in \(manifest.file) (services: "
                    + manifest.services.keys.sorted().joined(separator: ", ") + ")")
        }
        guard spec.restart.policy != .always else {
            throw CLIFailure(
                .usage,
                "--exit-code-from: '\(job)' has restart policy 'always' and never ends; name a "
                    + "one-shot job (restart policy on-failure or never)")
        }
        guard spec.schedule == nil else {
            throw CLIFailure(.usage, "--exit-code-from: '\(job)' is a scheduled job, which berth up does not run")
        }
        guard selection.services.contains(job) else {
            throw CLIFailure(
                .usage,
                "--exit-code-from: '\(job)' is not started by this berth up (profiles or "
                    + "names leave it out)")
        }
    }

    /// Where the status poller of `runUntilJobEnds` is.
    enum JobWatch: Sendable {
        case waiting
        /// The job ended; the project is being brought down.
        case stopping(JobOutcome)
        /// Down returned (with its failure, if any).
        case done(JobOutcome, CLIFailure?)
    }

    /// Follows every replica's output until the job has ended (every replica completed or failed), then brings the
    /// project down and returns how the job ended. Ctrl-C stops everything as in a foreground `up`.
    func runUntilJobEnds(_ context: ProjectContext, job: String) throws(CLIFailure) -> JobOutcome {
        let shutdown = ShutdownOnSignal(context: context, timeout: timeout)
        let watch = Mutex(JobWatch.waiting)
        let timeout = self.timeout
        // A thread polls status; once the job is over it brings the project down, which ends the log stream below.
        Thread.detachNewThread {
            while true {
                if let status = try? context.probe(timeout: .seconds(5)), let ended = JobOutcome(status, job: job) {
                    Terminal.error("berth: \(ended.summary); stopping \(context.projectLabel)")
                    watch.withLock { $0 = .stopping(ended) }
                    var failure: CLIFailure?
                    do {
                        try BerthCommand.Down.bringDown(context, timeout: timeout)
                    } catch let error as CLIFailure {
                        failure = error
                    } catch {
                        failure = .failed("\(error)")
                    }
                    watch.withLock { $0 = .done(ended, failure) }
                    return
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        let status = try context.status()
        var formatter = LogLineFormatter(
            colour: Terminal.stdoutIsTTY, escape: Terminal.stdoutIsTTY,
            services: status.services.map(\.name), labels: LogLineFormatter.labels(status))
        var ended: CLIFailure?
        do {
            try context.streamLogs(LogQuery(follow: true)) { entry in
                Terminal.line(formatter.format(entry))
                return true
            }
        } catch {
            ended = error
        }
        shutdown.parkIfStopping()
        // The stream ends as the daemon exits: wait for the poller's `down` to return. A daemon that went away on
        // its own leaves the poller waiting: give it two seconds to notice the job's end first.
        let clock = ContinuousClock()
        let streamEnded = clock.now
        while true {
            switch watch.withLock({ $0 }) {
            case .done(let outcome, let failure):
                if let failure { throw failure }
                return outcome
            case .stopping:
                break
            case .waiting where clock.now - streamEnded > .seconds(2):
                throw .failed(
                    "the daemon of \(context.projectLabel) went away before \(job) ended"
                        + (ended.map { " (\($0.message))" } ?? ""), details: ["  its log: \(context.paths.daemonLog)"])
            case .waiting:
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
