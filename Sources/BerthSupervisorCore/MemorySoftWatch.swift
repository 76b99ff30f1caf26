/// Decides when a replica above its `memory_soft` limit is replaced: after it stayed above for a few samples in a
/// row (one sample is a spike, not a leak), and at most once per service per interval, so that a service whose every
/// replica grows past the limit does not churn.
///
/// Pure: fed each usage sample with the current instant; the supervisor starts the replacement (surge, drain, stop).
public struct MemorySoftWatch: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// Below the limit (or no limit).
        case fine
        /// Above it for this many samples in a row, not yet enough.
        case above(samples: Int)
        /// Replace it now.
        case replace
        /// Above for long enough, but the service was given a replacement less than `interval` ago.
        case rateLimited(until: ContinuousClock.Instant)
    }

    /// Samples in a row above the limit before a replacement (a sample a second: 3 s).
    public var samplesAbove: Int
    /// At most one replacement per service this often.
    public var interval: Duration
    var above: [String: Int] = [:]
    var lastReplacement: [String: ContinuousClock.Instant] = [:]
    var lastRateLimitNotice: [String: ContinuousClock.Instant] = [:]

    public init(samplesAbove: Int = 3, interval: Duration = .seconds(60)) {
        self.samplesAbove = samplesAbove
        self.interval = interval
    }

    /// One sample of `replica` (any key unique per process) of `service`.
    public mutating func observe(
        service: String, replica: String, residentBytes: Int, soft: Int?, at now: ContinuousClock.Instant
    ) -> Verdict {
        guard let soft, residentBytes > soft else {
            above.removeValue(forKey: replica)
            return .fine
        }
        let count = (above[replica] ?? 0) + 1
        above[replica] = count
        guard count >= samplesAbove else { return .above(samples: count) }
        if let last = lastReplacement[service], now < last + interval {
            return .rateLimited(until: last + interval)
        }
        lastReplacement[service] = now
        above.removeValue(forKey: replica)
        return .replace
    }

    /// Whether to say now that `service` is rate-limited: once per interval, not at every sample.
    public mutating func shouldSayRateLimited(service: String, at now: ContinuousClock.Instant) -> Bool {
        if let last = lastRateLimitNotice[service], now < last + interval { return false }
        lastRateLimitNotice[service] = now
        return true
    }

    /// Forgets replicas that are no longer sampled (exited, replaced).
    public mutating func keep(only replicas: Set<String>) {
        above = above.filter { replicas.contains($0.key) }
    }
}
