/// A point on the wall clock (milliseconds since the Unix epoch, UTC).
///
/// Schedules are wall-clock promises ("every day at 03:00 in Berlin"), so unlike the replica machines they cannot
/// run on `ContinuousClock`; the schedule machine takes this as its input time so tests drive it with a manual clock.
public struct WallTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(seconds: Int64) {
        self.milliseconds = seconds * 1000
    }

    /// Whole seconds since the epoch, rounded down.
    public var seconds: Int64 {
        milliseconds >= 0 ? milliseconds / 1000 : -((-milliseconds + 999) / 1000)
    }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    public static func + (lhs: WallTime, rhs: Duration) -> WallTime {
        WallTime(milliseconds: lhs.milliseconds + rhs.wholeMilliseconds)
    }

    public static func - (lhs: WallTime, rhs: WallTime) -> Duration {
        .milliseconds(lhs.milliseconds - rhs.milliseconds)
    }

    public var description: String { "\(milliseconds)ms" }
}

extension Duration {
    /// The duration in whole milliseconds (rounded towards zero).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
