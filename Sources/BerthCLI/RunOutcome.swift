import BerthControlProtocol
import BerthManifest
import Foundation

/// How a run that `berth run-now` waited for ended, read from the daemon's answer: the exit code (0, the first
/// failed replica's status, 128 + N for signal N, as `--exit-code-from` and shells report it), or a failure of the
/// wait itself (timed out, the daemon stopping). Pure, so that the mapping is unit-tested.
struct RunOutcome: Equatable, Sendable {
    var exitCode: Int32
    /// "report completed", "report.1 failed: exited with status 3".
    var summary: String
    /// Set when the wait failed rather than the run: said on stderr, exit 1.
    var failure: String?

    init(_ response: OperationResponse) {
        guard !response.ok else {
            exitCode = 0
            summary = response.message
            return
        }
        summary = response.message
        guard let first = response.notReady.first, first.state == .failed || first.state == .stopped else {
            // Timed out, or the daemon went down: the run's end is unknown.
            exitCode = 1
            let pending = response.notReady.map { ($0.replica.map { "\($0)" } ?? "") + ": " + $0.reason }
            failure = ([response.message] + pending).joined(separator: "; ")
            return
        }
        exitCode = Self.code(first.reason)
    }

    /// "exited with status N" gives N; "killed by SIGNAME" gives 128 + its number; anything else (it never
    /// started, it was stopped) 1.
    static func code(_ description: String) -> Int32 {
        let words = description.split(separator: " ")
        if description.hasPrefix("exited with status"), let last = words.last, let code = Int32(last), code != 0 {
            return code
        }
        if let name = words.first(where: { $0.hasPrefix("SIG") }),
            let signal = Signals.number(named: String(name.trimmingCharacters(in: .punctuationCharacters)))
        {
            return 128 + signal
        }
        return 1
    }
}
