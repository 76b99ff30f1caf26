/// Exponential backoff between restarts of a failing replica, with jitter.
///
/// The first restart after a replica that ran well is immediate (`delay(afterFailures: 0)` is zero): a crash of a
/// healthy replica is replaced within milliseconds. Each further consecutive failure waits
/// `initial * multiplier^(n-1)`, capped at `max`, spread by ±`jitter` so that replicas that crashed together do not
/// restart in lockstep.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var max: Duration
    public var multiplier: Double
    /// Fraction of the delay, 0...1, by which it may be shortened or lengthened at random.
    public var jitter: Double

    public init(
        initial: Duration = .milliseconds(100),
        max: Duration = .seconds(30),
        multiplier: Double = 2,
        jitter: Double = 0.1
    ) {
        self.initial = initial
        self.max = max
        self.multiplier = Swift.max(1, multiplier)
        self.jitter = Swift.min(1, Swift.max(0, jitter))
    }

    /// The delay before the next start, after `failures` consecutive failures not counting this one.
    /// - Parameter unit: a number in 0..<1 that picks the jitter (injected so that tests are deterministic).
    public func delay(afterFailures failures: Int, unit: Double) -> Duration {
        guard failures > 0 else { return .zero }
        let initialSeconds = initial.seconds
        let maxSeconds = max.seconds
        var base = initialSeconds
        for _ in 1..<failures {
            base *= multiplier
            if base >= maxSeconds { break }
        }
        base = Swift.min(base, maxSeconds)
        let spread = (unit * 2 - 1) * jitter
        return Duration.seconds(Swift.max(0, base * (1 + spread)))
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
