public import BerthGatewayCore

/// A request that failed on a replica (connect error, reset before a response, bad response, timeout), with how
/// many of that replica's requests have failed in a row since its last success.
public struct GatewayFailureReport: Sendable, Equatable {
    public var service: String
    public var replica: Int
    /// The replica's incarnation when it was tried (the supervisor ignores reports about an older one).
    public var generation: Int
    public var consecutive: Int
    public var outcome: UpstreamBalancer.Outcome

    /// What went wrong, in words for `berth status` and the logs.
    public var detail: String {
        switch outcome {
        case .success, .notJudged: "no failure"
        case .connectFailed: "could not connect"
        case .resetBeforeResponse: "connection closed before a response"
        case .timedOut: "no response head within the timeout"
        case .badResponse: "invalid response"
        }
    }
}
