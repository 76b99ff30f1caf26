/// A command's failure: a one-line message for stderr and the exit status it ends `berth` with.
///
/// Commands throw it instead of printing and exiting, so that one place (`BerthCLI.main`) reports it and tests can
/// inspect it.
public struct CLIFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var exitCode: BerthExitCode
    public var message: String
    /// More lines printed after the message (not-ready replicas, diagnostics, a log tail).
    public var details: [String]

    public init(_ exitCode: BerthExitCode, _ message: String, details: [String] = []) {
        self.exitCode = exitCode
        self.message = message
        self.details = details
    }

    public var description: String { message }

    /// An operation failed or timed out.
    static func failed(_ message: String, details: [String] = []) -> Self {
        Self(.failure, message, details: details)
    }
}
