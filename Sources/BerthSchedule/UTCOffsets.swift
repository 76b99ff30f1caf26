#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Where the UTC offset of a time zone at an instant comes from: Foundation's `TimeZone` (the system's tz database)
/// in the daemon, a hand-written table in tests of DST edges that must not depend on the installed tzdata.
public protocol UTCOffsets: Sendable {
    /// Seconds east of UTC in effect at `seconds` since the epoch.
    func secondsFromGMT(atEpochSeconds seconds: Int64) -> Int
}

extension TimeZone: UTCOffsets {
    public func secondsFromGMT(atEpochSeconds seconds: Int64) -> Int {
        secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
