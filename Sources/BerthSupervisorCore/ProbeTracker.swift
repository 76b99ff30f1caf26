/// Consecutive probe outcomes of one kind for one process: what the thresholds are compared against.
struct ProbeTracker: Sendable, Equatable {
    var consecutiveSuccesses = 0
    var consecutiveFailures = 0
    /// A probe was asked for and has not answered yet; a timer firing meanwhile does not start a second one.
    var inFlight = false
    var lastFailure: String?

    mutating func record(success: Bool, detail: String) {
        inFlight = false
        if success {
            consecutiveSuccesses += 1
            consecutiveFailures = 0
        } else {
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            lastFailure = detail
        }
    }
}
