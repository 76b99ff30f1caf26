import BerthManifest
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)),
        ("2s", .seconds(2)),
        ("1m", .seconds(60)),
        ("1h", .seconds(3600)),
        ("1.5s", .milliseconds(1500)),
        ("1m30s", .seconds(90)),
        ("5", .seconds(5)),
        ("0.25", .milliseconds(250)),
        ("0", .zero),
        ("1h2m3s4ms", .milliseconds(3_723_004)),
        ("-1s", .seconds(-1)),
        (" 2s ", .seconds(2)),
    ])
    func parsesValidDurations(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "5 sec", "s", "1.2.3s", "1x", "ms", "1s2", ".s", "1.s", "--1s", "99999999999999999h"])
    func rejectsMalformedDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: [
        (Duration.zero, "0s"),
        (.milliseconds(250), "250ms"),
        (.seconds(2), "2s"),
        (.milliseconds(1500), "1.5s"),
        (.seconds(90), "1m30s"),
        (.seconds(7200), "2h"),
        (.milliseconds(3_723_004), "1h2m3.004s"),
        (.microseconds(500), "0.0005s"),
        (.seconds(-3), "-3s"),
    ])
    func formatsAndRoundTrips(duration: Duration, expected: String) {
        #expect(DurationText.format(duration) == expected)
        #expect(DurationText.parse(expected) == duration)
    }
}
