/// A clock that moves only when a test says so: a fixed base instant plus an offset advanced by hand.
///
/// The state machines take instants as arguments, so tests never sleep and never read real time after `init`.
struct ManualClock {
    let base: ContinuousClock.Instant
    private(set) var offset: Duration = .zero

    init(base: ContinuousClock.Instant = .now) {
        self.base = base
    }

    var now: ContinuousClock.Instant { base + offset }

    mutating func advance(by duration: Duration) {
        offset += duration
    }

    /// The instant `offset` after the base.
    func at(_ offset: Duration) -> ContinuousClock.Instant {
        base + offset
    }
}
