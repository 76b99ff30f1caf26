import NIOHTTP2
import Testing

@testable import BerthGatewayHTTP2

/// The bookkeeping of frame-level forwarding, without sockets: stream ids in order, WINDOW_UPDATE only once half a
/// window is spent and only while the call's client reads, GOAWAY refusals told apart from resets.
@Suite struct HTTP2StreamTableTests {
    @Test func streamIDsAreOddAndIncreasing() {
        var table = HTTP2StreamTable<String>(streamWindow: 65_535)
        #expect(table.open("a", reading: true) == HTTP2StreamID(1))
        #expect(table.open("b", reading: true) == HTTP2StreamID(3))
        #expect(table.open("c", reading: true) == HTTP2StreamID(5))
        #expect(table.count == 3)
        #expect(table.leg(HTTP2StreamID(3)) == "b")
        #expect(table.close(HTTP2StreamID(3), reason: nil)?.leg == "b")
        #expect(table.leg(HTTP2StreamID(3)) == nil)
        // A closed stream's id is not given again.
        #expect(table.open("d", reading: true) == HTTP2StreamID(7))
    }

    @Test func windowUpdateOnlyAfterHalfTheWindowIsSpent() {
        var window = HTTP2InboundWindow(target: 65_535)
        #expect(window.changed(to: 65_535 - 16_384) == nil)
        #expect(window.changed(to: 65_535 - 32_767) == nil)
        // 32,767 left: less than half, topped up to the target at once.
        #expect(window.changed(to: 32_767) == 32_768)
        // The handler's report of the update it sent asks for nothing more.
        #expect(window.changed(to: 65_535) == nil)
        #expect(window.changed(to: 0) == 65_535)
    }

    @Test func aPausedWindowIsNotToppedUpUntilReadingResumes() {
        var table = HTTP2StreamTable<String>(streamWindow: 65_535)
        let id = table.open("call", reading: true)!
        #expect(table.setReading(id, false) == nil)
        // The replica spends the whole window while the client does not read: no update, so it has to stop.
        #expect(table.windowChanged(id, to: 16_384) == nil)
        #expect(table.windowChanged(id, to: 0) == nil)
        // The client reads again: the window is topped up once.
        #expect(table.setReading(id, true) == 65_535)
        #expect(table.setReading(id, true) == nil)
    }

    @Test func aStreamOpenedWhileTheClientDoesNotReadStartsPaused() {
        var table = HTTP2StreamTable<String>(streamWindow: 1000)
        let id = table.open("call", reading: false)!
        #expect(table.windowChanged(id, to: 0) == nil)
        #expect(table.setReading(id, true) == 1000)
    }

    @Test func noUpdateAfterTheReplicaEndedItsSide() {
        var table = HTTP2StreamTable<String>(streamWindow: 1000)
        let id = table.open("call", reading: true)!
        table.inboundEnded(id)
        #expect(table.windowChanged(id, to: 0) == nil)
        #expect(table.windowChanged(HTTP2StreamID(99), to: 0) == nil)
    }

    @Test func aNegativeWindowIsRepaid() {
        var window = HTTP2InboundWindow(target: 1000)
        // SETTINGS can shrink a window below zero; the update brings it back to the target.
        #expect(window.changed(to: -200) == 1200)
    }

    @Test func streamsAboveTheGoAwayWereRefusedOthersKeepTheirReason() {
        var table = HTTP2StreamTable<String>(streamWindow: 65_535)
        let first = table.open("processed", reading: true)!
        let second = table.open("refused", reading: true)!
        let third = table.open("also refused", reading: true)!
        table.goAway(lastStreamID: first)
        let refused = table.close(second, reason: .cancel)
        #expect(refused?.leg == "refused")
        #expect(refused?.reason == .refusedStream)
        #expect(table.close(first, reason: .internalError)?.reason == .internalError)
        #expect(table.close(first, reason: nil) == nil)
        let removed = table.removeAll()
        #expect(removed == ["also refused"])
        #expect(table.count == 0)
        _ = third
    }

    @Test func aLaterGoAwayCannotRaiseTheLastStream() {
        var table = HTTP2StreamTable<String>(streamWindow: 65_535)
        table.goAway(lastStreamID: HTTP2StreamID(5))
        table.goAway(lastStreamID: .maxID)
        #expect(table.goAwayLastStreamID == HTTP2StreamID(5))
    }
}

/// The stream tables' key hashes without `Hasher`: equal ids are equal keys with equal hashes, and ids stay apart.
@Suite struct HTTP2StreamKeyTests {
    @Test func keysOfEqualIDsAreEqualAndIDsStayApart() {
        #expect(HTTP2StreamKey(HTTP2StreamID(7)) == HTTP2StreamKey(HTTP2StreamID(7)))
        #expect(HTTP2StreamKey(HTTP2StreamID(7)).hashValue == HTTP2StreamKey(HTTP2StreamID(7)).hashValue)
        #expect(HTTP2StreamKey(HTTP2StreamID(7)) != HTTP2StreamKey(HTTP2StreamID(9)))
        let ids = stride(from: 1, to: 20_001, by: 2).map { HTTP2StreamID($0) }
        var keys = Set(ids.map(HTTP2StreamKey.init))
        #expect(keys.count == ids.count)
        for id in ids.prefix(5_000) { #expect(keys.remove(HTTP2StreamKey(id)) != nil) }
        #expect(keys.count == ids.count - 5_000)
        #expect(!keys.contains(HTTP2StreamKey(HTTP2StreamID(1))))
        #expect(keys.contains(HTTP2StreamKey(HTTP2StreamID(19_999))))
    }
}
