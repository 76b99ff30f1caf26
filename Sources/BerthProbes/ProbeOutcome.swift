/// The result of one probe attempt. A failure says why in words fit for `berth status`: "connection refused",
/// "HTTP 500", "timed out after 1s", "exec exited with status 1".
public enum ProbeOutcome: Sendable, Equatable {
    case success
    case failure(String)
}
