import Foundation
import Testing

@testable import BerthSchedule

/// berthd reads TZif files itself (no ICU): every offset must be the one Foundation's ICU-backed `TimeZone` gives,
/// before, between and after the files' transitions (after the last one, the footer's POSIX rule decides).
@Suite("TZif zones")
struct TZifZoneTests {
    @Test(arguments: [
        // Zones whose rules have not changed in years (ICU's data and the system's may be of different versions).
        "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Australia/Sydney", "Australia/Lord_Howe",
        "Asia/Kolkata", "Asia/Tokyo", "Pacific/Chatham", "Europe/Dublin", "Etc/GMT+5",
    ])
    func offsetsMatchFoundation(_ name: String) throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/" + name) else { return }
        let zone = try #require(SystemZones.named(name))
        let reference = try #require(TimeZone(identifier: name))
        var mismatches: [String] = []
        // Every 6 hours and 7 minutes from 1975 to 2100: every DST edge of those years is passed within hours.
        var seconds: Int64 = 157_766_400
        while seconds < 4_102_444_800 {
            let expected = reference.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let got = zone.secondsFromGMT(atEpochSeconds: seconds)
            if got != expected, mismatches.count < 5 { mismatches.append("\(seconds): \(got) != \(expected)") }
            seconds += 6 * 3600 + 7 * 60
        }
        #expect(mismatches.isEmpty, "\(name): \(mismatches)")
    }

    @Test func posixRulesOfBothHemispheres() throws {
        let berlin = try #require(PosixTimeZoneRule("CET-1CEST,M3.5.0,M10.5.0/3"))
        #expect(berlin.secondsFromGMT(atEpochSeconds: 4_103_697_600) == 3600)  // 2100-01-15
        #expect(berlin.secondsFromGMT(atEpochSeconds: 4_119_336_000) == 7200)  // 2100-07-15
        let sydney = try #require(PosixTimeZoneRule("AEST-10AEDT,M10.1.0,M4.1.0/3"))
        #expect(sydney.secondsFromGMT(atEpochSeconds: 1_735_000_000) == 39600)  // December: summer
        #expect(sydney.secondsFromGMT(atEpochSeconds: 1_750_000_000) == 36000)  // June: winter
        let fixed = try #require(PosixTimeZoneRule("<+0330>-3:30"))
        #expect(fixed.secondsFromGMT(atEpochSeconds: 0) == 12600)
        #expect(PosixTimeZoneRule("CET-1CEST,J60,J300") == nil)
        #expect(PosixTimeZoneRule("") == nil)
    }
}
