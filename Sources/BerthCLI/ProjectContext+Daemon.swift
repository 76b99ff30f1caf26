import BerthControlClient
import BerthControlProtocol
import Foundation

/// The control API calls of the commands, with client errors already mapped to `CLIFailure`.
extension ProjectContext {
    /// Extra time the client waits beyond an operation's own timeout, for the daemon to answer after it.
    static let answerMargin: Duration = .seconds(10)

    func status(timeout: Duration = .seconds(10)) throws(CLIFailure) -> StatusResponse {
        do {
            return try client(timeout: timeout).status()
        } catch {
            throw CLIFailure(error, project: projectLabel)
        }
    }

    /// Whether a daemon answers `GET /v1/status`; nil when nothing listens, a failure for any other problem.
    func probe(timeout: Duration = .seconds(2)) throws(CLIFailure) -> StatusResponse? {
        do {
            return try client(timeout: timeout).status()
        } catch .noDaemon {
            return nil
        } catch {
            throw CLIFailure(error, project: projectLabel)
        }
    }

    /// POSTs an operation that runs up to `timeout` on the daemon; the answer may still say `ok: false`.
    func operation(
        _ path: String, body: some Encodable & Sendable, timeout: CLIDuration
    ) throws(CLIFailure)
        -> OperationResponse
    {
        do {
            return try client(timeout: timeout.duration + Self.answerMargin).perform("POST", path, body: body)
        } catch {
            throw CLIFailure(error, project: projectLabel)
        }
    }

    /// Streams log entries until `onEntry` returns false or the stream ends.
    func streamLogs(_ query: LogQuery, onEntry: (LogEntry) -> Bool) throws(CLIFailure) {
        do {
            // The client stops timing out once a followed stream has started.
            try client(timeout: .seconds(30)).streamLogs(query, onEntry: onEntry)
        } catch {
            throw CLIFailure(error, project: projectLabel)
        }
    }

    /// Streams daemon events (the last `tail` first) until `onEvent` returns false or the daemon goes away.
    func streamEvents(tail: Int, onEvent: (DaemonEvent) -> Bool) throws(CLIFailure) {
        do {
            try client(timeout: .seconds(30)).streamEvents(tail: tail, onEvent: onEvent)
        } catch {
            throw CLIFailure(error, project: projectLabel)
        }
    }

    /// Polls until no daemon answers any more; false if one still does after `limit`.
    func waitUntilGone(limit: Duration) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            do {
                _ = try client(timeout: .seconds(1)).status()
            } catch .noDaemon {
                return true
            } catch {
                // Answering badly or refusing is still "there"; a closing daemon may do either for a moment.
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }
}
