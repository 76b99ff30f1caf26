import Testing

@testable import BerthSchedule

/// Zones by name: UTC without the tz database, others from it, unknown names refused.
@Suite("System zones")
struct SystemZonesTests {
    @Test func utcNeedsNoTzDatabase() throws {
        let utc = try #require(SystemZones.named("UTC"))
        #expect(utc is FixedOffset)
        #expect(utc.secondsFromGMT(atEpochSeconds: 1_750_000_000) == 0)
    }

    @Test func namedZonesFollowTheirDaylightSavingTime() throws {
        let berlin = try #require(SystemZones.named("Europe/Berlin"))
        #expect(berlin.secondsFromGMT(atEpochSeconds: 1_750_000_000) == 7200)  // June 2025
        #expect(berlin.secondsFromGMT(atEpochSeconds: 1_735_000_000) == 3600)  // December 2024
        #expect(berlin is TZifZone)
    }

    @Test func unknownNamesAreRefused() {
        #expect(SystemZones.named("Mars/Olympus") == nil)
        // Names never leave the tz database's folder, and a file that is not TZif is no zone.
        #expect(SystemZones.named("../../../etc/passwd") == nil)
        #expect(SystemZones.named("/etc/localtime") == nil)
        #expect(SystemZones.named("Europe/../../etc/passwd") == nil)
        #expect(SystemZones.named("") == nil)
        #expect(TZifZone(bytes: Array("root:x:0:0:root:/root:/bin/bash\n".utf8)) == nil)
    }
}
