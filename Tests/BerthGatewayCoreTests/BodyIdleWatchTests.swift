import BerthGatewayCore
import Testing

/// `body_timeout` on a manual clock (nanoseconds), as the gateway's sweep asks it.
@Suite("Request body idle (body_timeout)")
struct BodyIdleWatchTests {
    static let second: Int64 = 1_000_000_000
    static let timeout = 20 * second

    /// `watch.expired(...)` outside `#expect`, which cannot call a mutating method.
    static func check(_ watch: inout BodyIdleWatch, at now: Int64) -> Bool {
        watch.expired(now: now, timeout: timeout)
    }

    @Test func aClientThatSendsNoBodyExpiresAtTheTimeout() {
        var watch = BodyIdleWatch()
        watch.start(now: 5 * Self.second)
        #expect(watch.isWatching)
        #expect(!Self.check(&watch, at: 24 * Self.second))
        #expect(!Self.check(&watch, at: 25 * Self.second - 1))
        #expect(Self.check(&watch, at: 25 * Self.second))
    }

    @Test func eachPieceRestartsTheClockAtTheNextLook() {
        var watch = BodyIdleWatch()
        watch.start(now: 0)
        watch.arrived()
        // The look after the piece restarts the clock there (a sweep later than the piece: in the client's favour).
        #expect(!Self.check(&watch, at: 19 * Self.second))
        #expect(!Self.check(&watch, at: 38 * Self.second))
        watch.arrived()
        watch.arrived()
        #expect(!Self.check(&watch, at: 39 * Self.second))
        #expect(!Self.check(&watch, at: 59 * Self.second - 1))
        #expect(Self.check(&watch, at: 59 * Self.second))
    }

    @Test func aStoppedWatchNeverExpiresAndARestartBeginsAnew() {
        var watch = BodyIdleWatch()
        #expect(!Self.check(&watch, at: 100 * Self.second))  // never started: nothing awaited
        watch.start(now: 0)
        watch.stop()  // backpressure: the replica takes nothing, so the gateway stopped reading
        #expect(!watch.isWatching)
        #expect(!Self.check(&watch, at: 60 * Self.second))
        watch.start(now: 60 * Self.second)  // reading again: the client gets the whole timeout
        #expect(!Self.check(&watch, at: 79 * Self.second))
        #expect(Self.check(&watch, at: 80 * Self.second))
    }

    @Test func startingARunningWatchKeepsItsClock() {
        var watch = BodyIdleWatch()
        watch.start(now: 0)
        watch.start(now: 15 * Self.second)  // resumed reading while already reading: no extra time
        #expect(Self.check(&watch, at: 20 * Self.second))
    }

    @Test func piecesBeforeTheStartDoNotCountAsProgressAfterIt() {
        var watch = BodyIdleWatch()
        watch.arrived()  // body read while the replica's leg was opening
        watch.start(now: 0)
        #expect(Self.check(&watch, at: 20 * Self.second))
    }
}
