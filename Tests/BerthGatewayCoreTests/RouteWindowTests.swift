import BerthGatewayCore
import Testing

@testable import BerthGatewayCore

@Suite struct RouteWindowTests {
    @Test func binsGrowBySquareRootOfTwoFrom100Microseconds() {
        #expect(RouteWindow.bin(0) == 0)
        #expect(RouteWindow.bin(100_000) == 0)
        #expect(RouteWindow.bin(100_001) == 1)
        #expect(RouteWindow.bin(141_421) == 1)
        #expect(RouteWindow.bin(141_422) == 2)
        #expect(RouteWindow.bin(200_000) == 2)
        #expect(RouteWindow.bin(1_000_000) == 7)  // 1 ms: 100 µs · √2^7 = 1.131 ms
        #expect(RouteWindow.bin(3_600_000_000_000) == RouteWindow.bins - 1)
        #expect(RouteWindow.upperBoundMilliseconds(0) == 0.1)
        #expect(abs(RouteWindow.upperBoundMilliseconds(2) - 0.2) < 1e-9)
        // Every duration falls in a bin whose bound is at least it and whose previous bound is below it.
        for nanoseconds: Int64 in [150_000, 999_999, 12_345_678, 250_000_000, 3_000_000_000] {
            let bin = RouteWindow.bin(nanoseconds)
            #expect(Double(nanoseconds) / 1e6 <= RouteWindow.upperBoundMilliseconds(bin) + 1e-6)
            #expect(Double(nanoseconds) / 1e6 > RouteWindow.upperBoundMilliseconds(bin - 1))
        }
    }

    @Test func countsRequestsErrorsAndPercentilesPerSecond() {
        var window = RouteWindow(seconds: 300)
        // Second 1000: 98 fast answers (≤ 1 ms), one 5xx at 50 ms, one at 2 s.
        for _ in 0..<98 { window.record(second: 1000, status: 200, nanoseconds: 900_000) }
        window.record(second: 1000, status: 502, nanoseconds: 50_000_000)
        window.record(second: 1000, status: 200, nanoseconds: 2_000_000_000)
        let second = window.figures(second: 1000)
        #expect(second.requests == 100)
        #expect(second.errors == 1)
        #expect(second.p50 == RouteWindow.upperBoundMilliseconds(RouteWindow.bin(900_000)))
        #expect(second.p99 == RouteWindow.upperBoundMilliseconds(RouteWindow.bin(50_000_000)))
        let quiet = window.figures(second: 1001)
        #expect(quiet.requests == 0 && quiet.errors == 0 && quiet.p50 == nil && quiet.p99 == nil)
    }

    @Test func oldSecondsLeaveTheWindowAndBucketsAreReused() {
        var window = RouteWindow(seconds: 5)
        window.record(second: 10, status: 200, nanoseconds: 1_000)
        window.record(second: 11, status: 500, nanoseconds: 1_000)
        #expect(window.series(endingAt: 11, count: 3).map(\.requests) == [0, 1, 1])
        #expect(window.series(endingAt: 11, count: 3).map(\.second) == [9, 10, 11])
        // Second 15 reuses second 10's bucket: 10 is gone, 11 is still there.
        window.record(second: 15, status: 200, nanoseconds: 1_000)
        window.record(second: 15, status: 200, nanoseconds: 1_000)
        #expect(window.figures(second: 10).requests == 0)
        #expect(window.figures(second: 15).requests == 2)
        #expect(window.figures(second: 11).errors == 1)
        #expect(window.series(endingAt: 15, count: 10).count == 5)
        // Far in the future nothing recorded before is visible.
        #expect(window.series(endingAt: 1_000, count: 5).allSatisfy { $0.requests == 0 })
    }
}
