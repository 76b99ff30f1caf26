import NIOCore

/// Counts events in a sliding window of time and says when there were more than allowed: the client connection's
/// defences against floods of RST_STREAM (rapid reset, CVE-2023-44487) and of control frames (PING, SETTINGS,
/// PRIORITY), with swift-nio-http2's rule (`DOSHeuristics.RateLimitStateMachine`: more than `maximum` events
/// within `window`, and no way back once exceeded). The time is passed in, so tests drive it with made-up instants.
struct HTTP2RateWindow: Equatable {
    let maximum: Int
    let window: TimeAmount
    /// The instants of the events still inside the window, as a ring of `maximum + 1` slots (oldest at `first`).
    private var times: [NIODeadline]
    private var first = 0
    private var count = 0
    private(set) var exceeded = false

    init(maximum: Int, window: TimeAmount) {
        self.maximum = max(0, maximum)
        self.window = window
        self.times = Array(repeating: .uptimeNanoseconds(0), count: self.maximum + 1)
    }

    /// One more event at `now`; returns whether the rate is (now or already) above the limit.
    mutating func record(at now: NIODeadline) -> Bool {
        guard !exceeded else { return true }
        while count > 0, now - times[first] > window {
            first = (first + 1) % times.count
            count -= 1
        }
        times[(first + count) % times.count] = now
        count += 1
        if count > maximum { exceeded = true }
        return exceeded
    }
}
