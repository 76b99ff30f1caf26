#if canImport(FoundationEssentials)
    import FoundationEssentials
    import FoundationInternationalization
#else
    import Foundation
#endif

/// The zones schedules run in, looked up so that berthd pays for the tz database only when a manifest names a zone.
///
/// berthd imports only FoundationEssentials (issue 16: full Foundation cost it megabytes of RSS). Its `TimeZone`
/// knows names only through the ICU implementation in FoundationInternationalization, which it finds by type name at
/// run time; loading ICU's zone data costs ~4 MB of RSS, so UTC (the default, and every `every:` schedule) is answered
/// without it.
public enum SystemZones {
    /// UTC, without the tz database.
    public static let utc: any UTCOffsets = FixedOffset(seconds: 0)

    /// The zone named `identifier` in the system's tz database (`UTC` needs none), nil if there is no such zone.
    public static func named(_ identifier: String) -> (any UTCOffsets)? {
        if identifier == "UTC" { return utc }
        return TimeZone(identifier: identifier)
    }

    /// The version of the tz data behind named zones (e.g. `2025b`). Referring to it is also what links the ICU
    /// implementation of `TimeZone` into a static build: nothing else names it, and without it every name is unknown.
    public static var dataVersion: String? {
        TimeZone.timeZoneDataVersion
    }
}

/// A zone whose offset never changes.
struct FixedOffset: UTCOffsets {
    let seconds: Int

    func secondsFromGMT(atEpochSeconds _: Int64) -> Int { seconds }
}
