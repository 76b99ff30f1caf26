import BerthGatewayCore
import Testing

@Suite("Send progress (send_timeout)")
struct SendProgressWatchTests {
    static let second: Int64 = 1_000_000_000

    /// `watch.expired(...)` outside `#expect`, which cannot call a mutating method.
    static func check(_ watch: inout SendProgressWatch, pending: Int, now: Int64, timeout: Int64) -> Bool {
        watch.expired(pending: pending, now: now, timeout: timeout)
    }

    @Test func aClientThatTakesNothingExpires() {
        var watch = SendProgressWatch()
        #expect(!Self.check(&watch, pending: 0, now: 0, timeout: 30 * Self.second))  // writable: nothing to watch
        watch.blocked(pending: 70_000, now: 0)
        #expect(!Self.check(&watch, pending: 70_000, now: 29 * Self.second, timeout: 30 * Self.second))
        // More bytes queued is the gateway writing, not the client reading.
        #expect(!Self.check(&watch, pending: 90_000, now: 29 * Self.second + 1, timeout: 30 * Self.second))
        #expect(Self.check(&watch, pending: 90_000, now: 30 * Self.second, timeout: 30 * Self.second))
    }

    @Test func progressRestartsTheClock() {
        var watch = SendProgressWatch()
        watch.blocked(pending: 70_000, now: 0)
        #expect(!Self.check(&watch, pending: 69_000, now: 20 * Self.second, timeout: 30 * Self.second))
        #expect(!Self.check(&watch, pending: 69_000, now: 49 * Self.second, timeout: 30 * Self.second))
        #expect(Self.check(&watch, pending: 69_000, now: 50 * Self.second, timeout: 30 * Self.second))
    }

    @Test func becomingWritableEndsTheWatch() {
        var watch = SendProgressWatch()
        watch.blocked(pending: 70_000, now: 0)
        watch.blocked(pending: 80_000, now: 10 * Self.second)  // still the first stall
        #expect(watch.stalledSince == 0)
        watch.unblocked()
        #expect(watch.stalledSince == nil)
        #expect(!Self.check(&watch, pending: 80_000, now: 100 * Self.second, timeout: 30 * Self.second))
    }
}
