/// How a command ended and what it printed.
struct CommandResult: CustomStringConvertible {
    /// The exit status, or 128 + the signal number when a signal ended it.
    var exitCode: Int32
    var stdout: String
    var stderr: String
    /// The command ran past its time limit and was killed.
    var timedOut: Bool
    var elapsed: Duration

    var description: String {
        let ending = timedOut ? "timed out after \(elapsed) (killed)" : "exit \(exitCode) after \(elapsed)"
        return "\(ending)\n--- stdout:\n\(stdout)--- stderr:\n\(stderr)---"
    }

    /// Both streams, for messages that may go to either.
    var output: String { stdout + stderr }
}
