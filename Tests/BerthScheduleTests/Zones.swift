import Foundation

@testable import BerthSchedule

/// A zone with one offset change at `transition` (epoch seconds): DST edges without depending on installed tzdata.
struct OneChangeZone: UTCOffsets {
    var before: Int
    var after: Int
    var transition: Int64

    func secondsFromGMT(atEpochSeconds seconds: Int64) -> Int {
        seconds < transition ? before : after
    }
}

/// `2026-03-29T01:00:00Z` style times for readable expectations.
func utc(_ text: String) -> WallTime {
    // yyyy-mm-ddThh:mm:ssZ
    let parts = text.split { "-T:Z".contains($0) }.map { Int64($0)! }
    let day = CivilDate(year: parts[0], month: Int(parts[1]), day: Int(parts[2])).dayNumber
    return WallTime(seconds: day * 86_400 + parts[3] * 3600 + parts[4] * 60 + parts[5])
}

let berlin = TimeZone(identifier: "Europe/Berlin")!
let newYork = TimeZone(identifier: "America/New_York")!
let utcZone = TimeZone(identifier: "UTC")!
