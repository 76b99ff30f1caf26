import Testing

@testable import BerthCLI

struct CLIDurationTests {
    @Test(arguments: [
        ("60s", 60_000), ("500ms", 500), ("2m", 120_000), ("1h", 3_600_000), ("30", 30_000), ("1.5", 1500),
        ("0", 0), ("0.25s", 250), ("1.5m", 90_000),
    ])
    func parses(_ text: String, _ milliseconds: Int) {
        #expect(CLIDuration(text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["", "s", "ms", "-1", "-5s", "1d", "5 s", "1e3", "one", "1.2.3s", "inf", "10000000000s", "60S"])
    func rejects(_ text: String) {
        #expect(CLIDuration(text) == nil)
    }

    @Test func describesItselfInSecondsOrMilliseconds() {
        #expect(CLIDuration.seconds(60).description == "60s")
        #expect(CLIDuration.seconds(3600).description == "3600s")
        #expect(CLIDuration(milliseconds: 1500).description == "1500ms")
        #expect(CLIDuration(milliseconds: 0).description == "0s")
    }

    @Test func convertsToDuration() {
        #expect(CLIDuration("2m")?.duration == .seconds(120))
    }
}
