import NIOHTTP2
import Testing

@testable import BerthGatewayHTTP2

/// The replica leg's flow control without NIOHTTP2's state machines: the gateway sends no more than the replica's
/// windows allow, a window pushed past 2^31-1 is the replica's error (the stream's or the connection's), and DATA
/// past what the gateway advertised is refused.
@Suite struct ReplicaFlowWindowsTests {
    @Test func sendingIsBoundedByTheStreamAndTheConnection() throws {
        var windows = ReplicaFlowWindows(receiveInitial: 65_535)
        windows.open(1)
        windows.open(3)
        #expect(windows.sendable(1) == 65_535)
        windows.sent(1, 60_000)
        // Stream 3's own window is whole, the connection's is nearly spent.
        #expect(windows.sendable(3) == 5_535)
        try windows.windowUpdate(.rootStream, increment: 100_000)
        #expect(windows.sendable(3) == 65_535)
        #expect(windows.sendable(1) == 5_535)
        try windows.windowUpdate(1, increment: 10)
        #expect(windows.sendable(1) == 5_545)
        windows.close(1)
        #expect(windows.sendable(1) == 0)
        // An update for a closed stream is ignored.
        try windows.windowUpdate(1, increment: 10)
    }

    @Test func onlyStreamsWithDataWaitingAreWokenByAConnectionUpdate() {
        var windows = ReplicaFlowWindows(receiveInitial: 65_535)
        windows.open(1)
        windows.open(3)
        windows.open(5)
        windows.setWaiting(1, true)
        windows.setWaiting(5, true)
        // A stream not open (never started, or closed) is never woken.
        windows.setWaiting(7, true)
        #expect(Set(windows.waiting.map { Int($0.id) }) == [1, 5])
        windows.setWaiting(1, false)
        windows.close(5)
        #expect(windows.waiting.isEmpty)
    }

    @Test func windowOverflowIsTheReplicasError() throws {
        var windows = ReplicaFlowWindows(receiveInitial: 65_535)
        windows.open(1)
        do {
            try windows.windowUpdate(.rootStream, increment: Int(Int32.max))
            Issue.record("the connection's window past 2^31-1 was taken")
        } catch {
            #expect(error == .connection(.flowControlError, "the connection's window past 2^31-1"))
        }
        do {
            try windows.windowUpdate(1, increment: Int(Int32.max) - 65_535 + 1)
            Issue.record("a stream's window past 2^31-1 was taken")
        } catch {
            #expect(error.streamID == 1)
            #expect(error.code == .flowControlError)
        }
        try windows.windowUpdate(1, increment: Int(Int32.max) - 65_535)
        #expect(windows.sendable(1) == 65_535)  // the connection's window bounds it
    }

    @Test func theInitialWindowSizeMovesOpenStreamsEvenBelowZero() throws {
        var windows = ReplicaFlowWindows(receiveInitial: 65_535)
        windows.open(1)
        windows.sent(1, 30_000)
        try windows.initialWindowSize(10_000)
        // 35,535 left, less 55,535: -20,000, nothing may be sent until updates bring it back above zero.
        #expect(windows.sendable(1) == 0)
        try windows.windowUpdate(1, increment: 20_100)
        #expect(windows.sendable(1) == 100)
        windows.open(3)
        #expect(windows.sendable(3) == 10_000)
        try windows.windowUpdate(3, increment: Int(Int32.max) - 10_000)
        do {
            try windows.initialWindowSize(10_001)
            Issue.record("a stream's window past 2^31-1 was taken")
        } catch {
            #expect(error.streamID == nil)
            #expect(error.code == .flowControlError)
        }
    }

    @Test func dataPastTheAdvertisedWindowIsRefused() throws {
        var windows = ReplicaFlowWindows(receiveInitial: 1_000)
        windows.open(1)
        let first = try windows.received(1, 600)
        #expect(first.stream == 400)
        #expect(first.connection == 65_535 - 600)
        do {
            _ = try windows.received(1, 401)
            Issue.record("DATA past the stream's window was taken")
        } catch {
            #expect(error == .stream(1, .flowControlError, "DATA past the stream's window"))
        }
        windows.receiveUpdated(1, increment: 600)
        #expect(try windows.received(1, 1_000).stream == 0)
        // The refused frame and DATA on a stream not open still count against the connection.
        let late = try windows.received(5, 100)
        #expect(late.stream == nil)
        #expect(late.connection == 65_535 - 600 - 401 - 1_000 - 100)
    }
}
