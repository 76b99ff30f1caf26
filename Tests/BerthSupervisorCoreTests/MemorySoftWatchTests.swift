import BerthSupervisorCore
import Testing

/// `memory_soft`: replace after three samples in a row above, at most once a minute per service.
@Suite struct MemorySoftWatchTests {
    let start = ContinuousClock.now

    @Test func aSpikeIsNotALeak() {
        var watch = MemorySoftWatch()
        let at = { (second: Int) in start + .seconds(second) }
        #expect(
            watch.observe(service: "web", replica: "web/0", residentBytes: 500, soft: 400, at: at(0))
                == .above(samples: 1))
        #expect(watch.observe(service: "web", replica: "web/0", residentBytes: 300, soft: 400, at: at(1)) == .fine)
        #expect(
            watch.observe(service: "web", replica: "web/0", residentBytes: 500, soft: 400, at: at(2))
                == .above(samples: 1))
    }

    @Test func replacedAfterThreeSamplesThenRateLimited() {
        var watch = MemorySoftWatch()
        var verdicts: [MemorySoftWatch.Verdict] = []
        for second in 0..<3 {
            verdicts.append(
                watch.observe(
                    service: "web", replica: "web/0", residentBytes: 500, soft: 400,
                    at: start + .seconds(second)))
        }
        #expect(verdicts == [.above(samples: 1), .above(samples: 2), .replace])
        // Its replacement (another process) grows too: no second replacement within the minute.
        for second in 3..<5 {
            _ = watch.observe(
                service: "web", replica: "web/1", residentBytes: 500, soft: 400,
                at: start + .seconds(second))
        }
        #expect(
            watch.observe(service: "web", replica: "web/1", residentBytes: 500, soft: 400, at: start + .seconds(5))
                == .rateLimited(until: start + .seconds(62)))
        #expect(
            watch.observe(service: "web", replica: "web/1", residentBytes: 500, soft: 400, at: start + .seconds(62))
                == .replace)
    }

    @Test func noLimitNoWatch() {
        var watch = MemorySoftWatch()
        #expect(watch.observe(service: "web", replica: "web/0", residentBytes: .max, soft: nil, at: start) == .fine)
    }

    @Test func otherServicesAreNotRateLimited() {
        var watch = MemorySoftWatch(samplesAbove: 1)
        #expect(watch.observe(service: "a", replica: "a/0", residentBytes: 2, soft: 1, at: start) == .replace)
        #expect(watch.observe(service: "b", replica: "b/0", residentBytes: 2, soft: 1, at: start) == .replace)
    }
}
