import BerthGatewayCore
import Testing

@Suite("Send progress (send_timeout)")
struct SendProgressWatchTests {
    static let second: Int64 = 1_000_000_000

    /// `watch.expired(...)` outside `#expect`, which cannot call a mutating method.
    static func check(_ watch: inout SendProgressWatch, pending: Int, now: Int64, timeout: Int64) -> Bool {
        watch.expired(pending: pending, now: now, timeout: timeout, kernel: { nil })
    }

    @Test func aClientThatTakesNothingExpires() {
        var watch = SendProgressWatch()
        #expect(!Self.check(&watch, pending: 0, now: 0, timeout: 30 * Self.second))  // writable: nothing to watch
        watch.blocked(pending: 70_000, now: 0, acked: nil)
        #expect(!Self.check(&watch, pending: 70_000, now: 29 * Self.second, timeout: 30 * Self.second))
        // More bytes queued is the gateway writing, not the client reading.
        #expect(!Self.check(&watch, pending: 90_000, now: 29 * Self.second + 1, timeout: 30 * Self.second))
        #expect(Self.check(&watch, pending: 90_000, now: 30 * Self.second, timeout: 30 * Self.second))
    }

    @Test func progressRestartsTheClock() {
        var watch = SendProgressWatch()
        watch.blocked(pending: 70_000, now: 0, acked: nil)
        #expect(!Self.check(&watch, pending: 69_000, now: 20 * Self.second, timeout: 30 * Self.second))
        #expect(!Self.check(&watch, pending: 69_000, now: 49 * Self.second, timeout: 30 * Self.second))
        #expect(Self.check(&watch, pending: 69_000, now: 50 * Self.second, timeout: 30 * Self.second))
    }

    @Test func becomingWritableEndsTheWatch() {
        var watch = SendProgressWatch()
        watch.blocked(pending: 70_000, now: 0, acked: nil)
        watch.blocked(pending: 80_000, now: 10 * Self.second, acked: nil)  // still the first stall
        #expect(watch.stalledSince == 0)
        watch.unblocked()
        #expect(watch.stalledSince == nil)
        #expect(!Self.check(&watch, pending: 80_000, now: 100 * Self.second, timeout: 30 * Self.second))
    }

    /// The kernel's sending restarts the clock when it delivered at least `minimumProgress` since the clock last
    /// started: a slow reader is not cut.
    @Test func kernelSendingWithEnoughBytesIsProgress() {
        var watch = SendProgressWatch()
        watch.blocked(pending: 100_000, now: 0, acked: 1_000_000)
        let slowReader = SendProgressWatch.KernelSend(idle: Self.second, acked: 1_000_000 + 500_000)
        #expect(!watch.expired(pending: 100_000, now: 30 * Self.second, timeout: 30 * Self.second) { slowReader })
        #expect(watch.stalledSince == 29 * Self.second)
        // The next window asks for as much again, counted from the new mark.
        let same = SendProgressWatch.KernelSend(idle: Self.second, acked: 1_500_000 + 16_383)
        #expect(watch.expired(pending: 100_000, now: 59 * Self.second, timeout: 30 * Self.second) { same })
    }

    /// A client whose kernel takes a trickle (a few bytes every 14-26 s as it compacts a receive buffer shrunk
    /// after connecting, never read by the client) is cut at the timeout: before, each trickle restarted the clock
    /// and held the replica for 86 s with the default 30 s (audit7).
    @Test func aTrickleIsNotProgress() {
        var watch = SendProgressWatch()
        watch.blocked(pending: 100_000, now: 0, acked: 70_000)
        let trickle = SendProgressWatch.KernelSend(idle: 4 * Self.second, acked: 70_000 + 900)
        #expect(watch.expired(pending: 100_000, now: 30 * Self.second, timeout: 30 * Self.second) { trickle })
    }

    /// No data sent within the timeout is a stall whatever was acknowledged; where the kernel does not count
    /// acknowledged bytes (or did not when the clock started) the last data sent alone decides.
    @Test func theKernelsWordWithoutCounts() {
        var idle = SendProgressWatch()
        idle.blocked(pending: 100_000, now: 0, acked: 0)
        let quiet = SendProgressWatch.KernelSend(idle: 31 * Self.second, acked: 10_000_000)
        #expect(idle.expired(pending: 100_000, now: 31 * Self.second, timeout: 30 * Self.second) { quiet })
        var unknown = SendProgressWatch()
        unknown.blocked(pending: 100_000, now: 0, acked: nil)
        let uncounted = SendProgressWatch.KernelSend(idle: Self.second, acked: nil)
        #expect(!unknown.expired(pending: 100_000, now: 30 * Self.second, timeout: 30 * Self.second) { uncounted })
        #expect(!SendProgressWatch.isProgress(.init(idle: 0, acked: 5), since: 0, timeout: 1))
        #expect(SendProgressWatch.isProgress(.init(idle: 0, acked: 16_384), since: 0, timeout: 1))
        #expect(SendProgressWatch.isProgress(.init(idle: 0, acked: 5), since: nil, timeout: 1))
    }

    /// Fewer bytes waiting in the channel restarts the clock and takes a new mark from the kernel.
    @Test func channelProgressTakesANewMark() {
        var watch = SendProgressWatch()
        watch.blocked(pending: 100_000, now: 0, acked: 0)
        #expect(
            !watch.expired(pending: 60_000, now: 10 * Self.second, timeout: 30 * Self.second) {
                .init(idle: 0, acked: 40_000)
            })
        // 40 s: 30 s after the restart, with 1 KB more acknowledged since the mark of 40,000.
        let little = SendProgressWatch.KernelSend(idle: Self.second, acked: 41_000)
        #expect(watch.expired(pending: 60_000, now: 40 * Self.second, timeout: 30 * Self.second) { little })
    }
}
