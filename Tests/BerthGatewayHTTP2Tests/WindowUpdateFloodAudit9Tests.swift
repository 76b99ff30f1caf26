import NIOCore
import NIOHTTP2
import Testing

@testable import BerthGatewayHTTP2

/// Found by the outside audit (branch audit9): WINDOW_UPDATE was the one frame a client could send without any bound.
/// PING, SETTINGS, PRIORITY, unknown types, empty DATA and RST_STREAM are counted, but 200,000 WINDOW_UPDATE frames of
/// increment 1 on one h2c connection were all read (1.5 s of berthd's CPU in a debug build, 3 s of the client's), the
/// connection stayed open, and nothing was logged. A client's updates answer the DATA it reads: now they are held to
/// Envoy's rule, 5 + 2 × (streams opened + 10 × DATA frames sent), and a flood ends with GOAWAY ENHANCE_YOUR_CALM.
@Suite struct WindowUpdateFloodAudit9Tests {
    static let t0 = ClientConnectionStateTests.t0

    @Test func aFloodOfWindowUpdatesClosesTheConnection() {
        var state = ClientConnectionStateTests.open()
        _ = state.received(.headers(1, ClientConnectionStateTests.request("POST"), endStream: false), at: Self.t0)
        // One stream opened, no DATA sent: 5 + 2 × 1 updates are allowed, on the stream or the connection.
        for index in 0..<7 {
            let id: HTTP2StreamID = index % 2 == 0 ? .rootStream : 1
            #expect(state.received(.windowUpdate(id, increment: 1), at: Self.t0) == .windowOpened(id))
        }
        // Before the fix this answered `.windowOpened` for ever.
        let answer = state.received(.windowUpdate(.rootStream, increment: 1), at: Self.t0)
        #expect(ClientConnectionStateTests.isGoAway(answer, .enhanceYourCalm), "\(answer)")
        #expect(state.phase == .failed)
    }

    @Test func aClientThatReadsALongResponseUpdatesItsWindowsFreely() {
        var state = ClientConnectionStateTests.open()
        _ = state.received(.headers(1, ClientConnectionStateTests.request(), endStream: true), at: Self.t0)
        #expect(state.sendingHeaders(1, ClientConnectionStateTests.ok, endStream: false) == .send(closesStream: false))
        // 4,000 frames of 16 KiB (64 MiB), each answered by the stream's and the connection's WINDOW_UPDATE, as a
        // client that updates after every frame does: never cut.
        for _ in 0..<4_000 {
            #expect(state.sendable(1) >= 16_384)
            #expect(state.sendingData(1, bytes: 16_384, endStream: false) == .send(closesStream: false))
            #expect(state.received(.windowUpdate(1, increment: 16_384), at: Self.t0) == .windowOpened(1))
            #expect(
                state.received(.windowUpdate(.rootStream, increment: 16_384), at: Self.t0) == .windowOpened(.rootStream)
            )
        }
        #expect(state.phase == .open)
    }

    @Test func theAllowanceGrowsWithTheStreamsAndWithTheDataFramesSent() {
        var state = ClientConnectionStateTests.open()
        #expect(state.windowUpdateAllowance == 5)
        _ = state.received(.headers(1, ClientConnectionStateTests.request(), endStream: true), at: Self.t0)
        _ = state.received(.headers(3, ClientConnectionStateTests.request(), endStream: true), at: Self.t0)
        #expect(state.windowUpdateAllowance == 9)
        _ = state.sendingHeaders(1, ClientConnectionStateTests.ok, endStream: false)
        // 40,000 bytes go out as three frames of at most 16,384 (the client's SETTINGS_MAX_FRAME_SIZE).
        _ = state.sendingData(1, bytes: 40_000, endStream: false)
        #expect(state.windowUpdateAllowance == 5 + 2 * (2 + 10 * 3))
    }

    /// The whole path the handler runs: raw frames through the client's decoder into the state.
    @Test func aMillionTinyUpdatesAreCutEarly() throws {
        var state = ClientConnectionStateTests.open()
        var decoder = ReplicaFrameDecoder(
            maxHeaderListSize: 16 * 1024, headerTableSize: 4096, maxContinuationFrames: 5, reportsIgnoredFrames: true)
        var bytes = ByteBuffer()
        for _ in 0..<1_000 {
            bytes.writeImmutableBuffer(ReplicaFrameCodecTests.frame(0x8, id: 0, [0, 0, 0, 1]))
        }
        var read = 0
        var last = ClientConnectionState.Inbound.none
        while state.phase != .failed, let frame = try decoder.next(from: &bytes) {
            read += 1
            last = state.received(frame, at: Self.t0)
        }
        #expect(read == 6)
        #expect(ClientConnectionStateTests.isGoAway(last, .enhanceYourCalm))
    }
}
