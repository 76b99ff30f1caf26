import NIOCore
import NIOHPACK
import NIOHTTP2
import Testing

@testable import BerthGatewayHTTP2

/// The client connection's rules as the gateway's own codec is to keep them (`ClientConnectionState`), driven frame
/// by frame with made-up instants: what NIOHTTP2's state machines answered on this leg, decided without a socket.
@Suite struct ClientConnectionStateTests {
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func settings(maxConcurrentStreams: Int = 100) -> HTTP2GatewaySettings {
        var settings = HTTP2GatewaySettings()
        settings.maxConcurrentStreams = maxConcurrentStreams
        return settings
    }

    /// A connection past its preface and SETTINGS.
    static func open(_ settings: HTTP2GatewaySettings = settings()) -> ClientConnectionState {
        var state = ClientConnectionState(limits: .init(settings))
        #expect(state.received(.settings([]), at: t0) == .acknowledgeSettings)
        return state
    }

    static func request(_ method: String = "GET", _ extra: [(String, String)] = []) -> HTTP2Fields {
        HTTP2Fields([(":method", method), (":scheme", "http"), (":path", "/"), (":authority", "a")] + extra)
    }

    static var ok: HTTP2Fields { HTTP2Fields([(":status", "200")]) }

    static func buffer(_ count: Int) -> ByteBuffer { ByteBuffer(repeating: 0x61, count: count) }

    static func isGoAway(_ inbound: ClientConnectionState.Inbound, _ code: HTTP2ErrorCode) -> Bool {
        guard case .goAway(_, let got, _) = inbound else { return false }
        return got == code
    }

    @Test func theFirstFrameMustBeSettings() {
        var state = ClientConnectionState(limits: .init(Self.settings()))
        let answer = state.received(.ping(1, ack: false), at: Self.t0)
        #expect(Self.isGoAway(answer, .protocolError))
        #expect(state.phase == .failed)
        // After a connection error nothing more is judged.
        #expect(state.received(.headers(1, Self.request(), endStream: true), at: Self.t0) == .none)
    }

    @Test func aRequestOpensACallAndTheResponseClosesIt() {
        var state = Self.open()
        #expect(
            state.received(.headers(1, Self.request(), endStream: true), at: Self.t0)
                == .open(1, Self.request(), endStream: true))
        #expect(state.openStreams == 1)
        #expect(state.sendingHeaders(1, Self.ok, endStream: false) == .send(closesStream: false))
        #expect(state.sendingData(1, bytes: 5, endStream: true) == .send(closesStream: true))
        #expect(state.openStreams == 0)
        // Frames of the response after its end go nowhere.
        #expect(state.sendingData(1, bytes: 1, endStream: true) == .drop)
    }

    @Test func streamIDsAreOddIncreasingAndNeverReused() {
        var state = Self.open()
        #expect(
            Self.isGoAway(state.received(.headers(2, Self.request(), endStream: true), at: Self.t0), .protocolError))

        state = Self.open()
        _ = state.received(.headers(5, Self.request(), endStream: true), at: Self.t0)
        // A lower id than one already used is a closed stream (RFC 9113 § 5.1.1).
        #expect(Self.isGoAway(state.received(.headers(3, Self.request(), endStream: true), at: Self.t0), .streamClosed))

        state = Self.open()
        _ = state.received(.headers(1, Self.request(), endStream: true), at: Self.t0)
        _ = state.sendingHeaders(1, Self.ok, endStream: true)
        #expect(Self.isGoAway(state.received(.headers(1, Self.request(), endStream: true), at: Self.t0), .streamClosed))
    }

    @Test func framesOnIdleStreamsAreTheConnectionsError() {
        for frame: ReplicaFrame in [
            .data(3, Self.buffer(1), endStream: false, flowControlledLength: 1), .rstStream(3, .cancel),
            .windowUpdate(3, increment: 1), .data(2, Self.buffer(1), endStream: false, flowControlledLength: 1),
        ] {
            var state = Self.open()
            _ = state.received(.headers(1, Self.request(), endStream: false), at: Self.t0)
            #expect(Self.isGoAway(state.received(frame, at: Self.t0), .protocolError), "\(frame)")
        }
    }

    @Test func streamsAboveTheLimitAreRefused() {
        var state = Self.open(Self.settings(maxConcurrentStreams: 2))
        _ = state.received(.headers(1, Self.request(), endStream: true), at: Self.t0)
        _ = state.received(.headers(3, Self.request(), endStream: true), at: Self.t0)
        #expect(
            state.received(.headers(5, Self.request(), endStream: true), at: Self.t0)
                == .resetStream(5, .refusedStream, endsCall: false))
        // One ends: a slot is free again.
        _ = state.sendingHeaders(1, Self.ok, endStream: true)
        #expect(
            state.received(.headers(7, Self.request(), endStream: true), at: Self.t0)
                == .open(7, Self.request(), endStream: true))
        // The refused stream's frames in flight are ignored, not errors.
        #expect(
            state.received(.data(5, Self.buffer(3), endStream: true, flowControlledLength: 3), at: Self.t0) == .none)
    }

    @Test func framesAfterTheClientsEndStreamAreStreamClosed() {
        var state = Self.open()
        _ = state.received(.headers(1, Self.request(), endStream: true), at: Self.t0)
        #expect(
            state.received(.data(1, Self.buffer(1), endStream: false, flowControlledLength: 1), at: Self.t0)
                == .resetStream(1, .streamClosed, endsCall: true))
        #expect(state.streamErrors == 1)
        // A window update on a half-closed stream is allowed.
        state = Self.open()
        _ = state.received(.headers(1, Self.request(), endStream: true), at: Self.t0)
        #expect(state.received(.windowUpdate(1, increment: 10), at: Self.t0) == .windowOpened(1))
    }

    @Test func trailersEndTheRequestAndMustSayEndStream() {
        var state = Self.open()
        _ = state.received(.headers(1, Self.request("POST"), endStream: false), at: Self.t0)
        let trailers = HTTP2Fields([("grpc-status", "0")])
        #expect(
            state.received(.headers(1, trailers, endStream: true), at: Self.t0)
                == .trailers(1, trailers, closesStream: false))

        state = Self.open()
        _ = state.received(.headers(1, Self.request("POST"), endStream: false), at: Self.t0)
        #expect(
            state.received(.headers(1, trailers, endStream: false), at: Self.t0)
                == .resetStream(1, .protocolError, endsCall: true))
        // Pseudo-headers in trailers are malformed.
        state = Self.open()
        _ = state.received(.headers(1, Self.request("POST"), endStream: false), at: Self.t0)
        #expect(
            state.received(.headers(1, Self.ok, endStream: true), at: Self.t0)
                == .resetStream(1, .protocolError, endsCall: true))
    }

    @Test func malformedRequestBlocksResetTheirStreamOnly() {
        var state = Self.open()
        let upper = HTTP2Fields([(":method", "GET"), (":scheme", "http"), (":path", "/"), ("X-Upper", "1")])
        #expect(
            state.received(.headers(1, upper, endStream: true), at: Self.t0)
                == .resetStream(1, .protocolError, endsCall: false))
        #expect(
            state.received(.headers(3, Self.request(), endStream: true), at: Self.t0)
                == .open(3, Self.request(), endStream: true))
    }

    @Test func contentLengthIsHeldAgainstTheRequestsData() {
        var state = Self.open()
        _ = state.received(.headers(1, Self.request("POST", [("content-length", "4")]), endStream: false), at: Self.t0)
        #expect(
            state.received(.data(1, Self.buffer(5), endStream: false, flowControlledLength: 5), at: Self.t0)
                == .resetStream(1, .protocolError, endsCall: true))

        state = Self.open()
        _ = state.received(.headers(1, Self.request("POST", [("content-length", "4")]), endStream: false), at: Self.t0)
        #expect(
            state.received(.data(1, Self.buffer(3), endStream: true, flowControlledLength: 3), at: Self.t0)
                == .resetStream(1, .protocolError, endsCall: true))

        state = Self.open()
        _ = state.received(.headers(1, Self.request("POST", [("content-length", "4")]), endStream: false), at: Self.t0)
        guard
            case .data(1, _, endStream: true, streamWindow: _, closesStream: false) = state.received(
                .data(1, Self.buffer(4), endStream: true, flowControlledLength: 4), at: Self.t0)
        else {
            Issue.record("a body of its announced length was refused")
            return
        }
        // Fields that disagree, and a request that ends before its announced body.
        state = Self.open()
        #expect(
            state.received(
                .headers(
                    1, Self.request("POST", [("content-length", "4"), ("content-length", "5")]), endStream: false),
                at: Self.t0) == .resetStream(1, .protocolError, endsCall: false))
        #expect(
            state.received(.headers(3, Self.request("POST", [("content-length", "4")]), endStream: true), at: Self.t0)
                == .resetStream(3, .protocolError, endsCall: false))
    }

    @Test func theResponseIsCheckedBeforeItGoesOut() {
        var state = Self.open()
        _ = state.received(.headers(1, Self.request(), endStream: true), at: Self.t0)
        #expect(state.sendingData(1, bytes: 1, endStream: false) == .refuse("DATA before the response head"))
        let bad = HTTP2Fields([(":status", "200"), ("connection", "close")])
        guard case .refuse = state.sendingHeaders(1, bad, endStream: false) else {
            Issue.record("a connection-specific field went out")
            return
        }
        // An informational head, then the final one with its length, then a body longer than announced.
        #expect(
            state.sendingHeaders(1, HTTP2Fields([(":status", "103")]), endStream: false) == .send(closesStream: false))
        #expect(
            state.sendingHeaders(1, HTTP2Fields([(":status", "200"), ("content-length", "2")]), endStream: false)
                == .send(closesStream: false))
        #expect(state.sendingData(1, bytes: 3, endStream: true) == .refuse("a body longer than its content-length"))
        #expect(
            state.sendingHeaders(1, HTTP2Fields([("grpc-status", "0")]), endStream: true)
                == .refuse("a body shorter than its content-length"))
        let reset = state.sendingReset(1)
        #expect(reset)
        #expect(state.openStreams == 0)
        let again = state.sendingReset(1)
        #expect(!again, "a stream reset twice")
    }

    @Test func aResponseToHeadHasNoBody() {
        var state = Self.open()
        _ = state.received(.headers(1, Self.request("HEAD"), endStream: true), at: Self.t0)
        #expect(
            state.sendingHeaders(1, HTTP2Fields([(":status", "200"), ("content-length", "10")]), endStream: true)
                == .send(closesStream: true))
    }

    @Test func aResponseThatEndsFirstWaitsForTheRequestsEnd() {
        var state = Self.open()
        _ = state.received(.headers(1, Self.request("POST"), endStream: false), at: Self.t0)
        #expect(state.sendingHeaders(1, Self.ok, endStream: true) == .send(closesStream: false))
        #expect(state.openStreams == 1)
        guard
            case .data(1, _, endStream: true, streamWindow: _, closesStream: true) = state.received(
                .data(1, Self.buffer(2), endStream: true, flowControlledLength: 2), at: Self.t0)
        else {
            Issue.record("the request's end did not close the stream")
            return
        }
        #expect(state.openStreams == 0)
    }

    @Test func rapidResetClosesTheConnection() {
        var settings = Self.settings()
        settings.maxResets = 3
        var state = Self.open(settings)
        for index in 0..<3 {
            let id = HTTP2StreamID(2 * index + 1)
            _ = state.received(.headers(id, Self.request(), endStream: true), at: Self.t0)
            #expect(state.received(.rstStream(id, .cancel), at: Self.t0) == .clientReset(id, .cancel))
        }
        _ = state.received(.headers(7, Self.request(), endStream: true), at: Self.t0)
        #expect(Self.isGoAway(state.received(.rstStream(7, .cancel), at: Self.t0), .enhanceYourCalm))

        // The same resets spread over more than the window are allowed.
        state = Self.open(settings)
        for index in 0..<6 {
            let id = HTTP2StreamID(2 * index + 1)
            _ = state.received(.headers(id, Self.request(), endStream: true), at: Self.t0)
            let now = Self.t0 + .seconds(Int64(index) * 11)
            #expect(state.received(.rstStream(id, .cancel), at: now) == .clientReset(id, .cancel))
        }
    }

    @Test func controlFrameFloodsCloseTheConnection() {
        var state = Self.open()
        // The preface's SETTINGS counted: 199 more are allowed in 30 s.
        for index in 0..<199 {
            let frame: ReplicaFrame = index % 2 == 0 ? .ping(UInt64(index), ack: false) : .settingsAck
            #expect(!Self.isGoAway(state.received(frame, at: Self.t0), .enhanceYourCalm))
        }
        #expect(Self.isGoAway(state.received(.priority(1), at: Self.t0), .enhanceYourCalm))
        #expect(state.received(.ping(1, ack: false), at: Self.t0) == .none)
    }

    @Test func emptyDataFramesInARowCloseTheConnection() {
        var state = Self.open()
        _ = state.received(.headers(1, Self.request("POST"), endStream: false), at: Self.t0)
        let empty = ReplicaFrame.data(1, ByteBuffer(), endStream: false, flowControlledLength: 0)
        guard case .data = state.received(empty, at: Self.t0) else {
            Issue.record("one empty DATA frame was refused")
            return
        }
        #expect(Self.isGoAway(state.received(empty, at: Self.t0), .enhanceYourCalm))
    }

    @Test func streamErrorsAreCountedAgainstTheConnection() {
        var settings = Self.settings(maxConcurrentStreams: 1)
        settings.maxConcurrentStreams = 1
        var limits = ClientConnectionState.Limits(settings)
        limits.maxStreamErrors = 2
        var state = ClientConnectionState(limits: limits)
        _ = state.received(.settings([]), at: Self.t0)
        _ = state.received(.headers(1, Self.request(), endStream: false), at: Self.t0)
        #expect(
            state.received(.headers(3, Self.request(), endStream: true), at: Self.t0)
                == .resetStream(3, .refusedStream, endsCall: false))
        #expect(
            state.received(.headers(5, Self.request(), endStream: true), at: Self.t0)
                == .resetStream(5, .refusedStream, endsCall: false))
        #expect(
            Self.isGoAway(state.received(.headers(7, Self.request(), endStream: true), at: Self.t0), .enhanceYourCalm))
    }

    @Test func flowControlIsBoundedBothWays() {
        var state = Self.open()
        _ = state.connectionWindowUpdate()
        _ = state.received(.headers(1, Self.request("POST"), endStream: false), at: Self.t0)
        // DATA past the stream's advertised window (65,535) is that stream's error.
        #expect(
            state.received(.data(1, Self.buffer(65_536), endStream: false, flowControlledLength: 65_536), at: Self.t0)
                == .resetStream(1, .flowControlError, endsCall: true))
        // An update past 2^31-1: the connection's error on stream 0.
        #expect(
            Self.isGoAway(
                state.received(.windowUpdate(.rootStream, increment: Int(Int32.max)), at: Self.t0), .flowControlError))

        state = Self.open()
        _ = state.received(.headers(1, Self.request(), endStream: true), at: Self.t0)
        _ = state.sendingHeaders(1, Self.ok, endStream: false)
        #expect(state.sendable(1) == 65_535)
        #expect(state.sendingData(1, bytes: 65_535, endStream: false) == .send(closesStream: false))
        #expect(state.sendable(1) == 0)
        #expect(state.received(.windowUpdate(1, increment: 100), at: Self.t0) == .windowOpened(1))
        // The connection's window is spent too.
        #expect(state.sendable(1) == 0)
        _ = state.received(.windowUpdate(.rootStream, increment: 1_000), at: Self.t0)
        #expect(state.sendable(1) == 100)
        // A SETTINGS_INITIAL_WINDOW_SIZE that pushes a window past 2^31-1 (stream 1's is 100,100, above the
        // initial 65,535).
        let huge = ReplicaSetting(identifier: ReplicaSetting.initialWindowSize, value: UInt32(Int32.max))
        #expect(state.received(.windowUpdate(1, increment: 100_000), at: Self.t0) == .windowOpened(1))
        #expect(Self.isGoAway(state.received(.settings([huge]), at: Self.t0), .flowControlError))
    }

    @Test func theConnectionsWindowIsToppedUpAsItIsSpent() {
        var state = Self.open()
        // At once: from the protocol's 65,535 to the connection's target.
        #expect(state.connectionWindowUpdate() == (1 << 20) - 65_535)
        #expect(state.connectionWindowUpdate() == nil)
        _ = state.received(.headers(1, Self.request("POST"), endStream: false), at: Self.t0)
        for _ in 0..<8 {
            _ = state.received(.data(1, Self.buffer(1), endStream: false, flowControlledLength: 60_000), at: Self.t0)
            state.sentWindowUpdate(1, increment: 60_000)
        }
        // 480,000 spent: not half yet.
        #expect(state.connectionWindowUpdate() == nil)
        _ = state.received(.data(1, Self.buffer(1), endStream: false, flowControlledLength: 60_000), at: Self.t0)
        #expect(state.connectionWindowUpdate() == 540_000)
    }

    @Test func dataOnAStreamTheGatewayResetIsChargedAndIgnored() {
        var state = Self.open()
        _ = state.connectionWindowUpdate()
        _ = state.received(.headers(1, Self.request("POST"), endStream: false), at: Self.t0)
        let reset = state.sendingReset(1)
        #expect(reset)
        #expect(
            state.received(.data(1, Self.buffer(1), endStream: false, flowControlledLength: 600_000), at: Self.t0)
                == .none)
        #expect(state.connectionWindowUpdate() == 600_000)
        #expect(state.received(.headers(1, HTTP2Fields([("a", "b")]), endStream: true), at: Self.t0) == .none)
    }

    @Test func goAwayLetsOpenStreamsFinishAndRefusesNewOnes() {
        var state = Self.open()
        _ = state.received(.headers(1, Self.request(), endStream: true), at: Self.t0)
        #expect(state.goAway() == 1)
        #expect(state.goAway() == nil)
        #expect(!state.isFinished)
        #expect(
            state.received(.headers(3, Self.request(), endStream: true), at: Self.t0)
                == .resetStream(3, .refusedStream, endsCall: false))
        #expect(state.sendingHeaders(1, Self.ok, endStream: true) == .send(closesStream: true))
        #expect(state.isFinished)
    }

    @Test func settingsAreAppliedAndAcknowledged() {
        var state = Self.open()
        let frameSize = ReplicaSetting(identifier: ReplicaSetting.maxFrameSize, value: 65_536)
        #expect(state.received(.settings([frameSize]), at: Self.t0) == .acknowledgeSettings)
        #expect(state.peerMaxFrameSize == 65_536)
        #expect(state.received(.ping(7, ack: false), at: Self.t0) == .acknowledgePing(7))
        #expect(state.received(.ping(7, ack: true), at: Self.t0) == .none)
    }

    @Test func decoderErrorsAreTheStreamsOrTheConnections() {
        var state = Self.open()
        _ = state.received(.headers(1, Self.request("POST"), endStream: false), at: Self.t0)
        #expect(
            state.decodingFailed(.stream(1, .protocolError, "WINDOW_UPDATE of 0"))
                == .resetStream(1, .protocolError, endsCall: true))
        // On an idle stream a stream error cannot be reset: the connection's.
        #expect(
            Self.isGoAway(state.decodingFailed(.stream(9, .frameSizeError, "PRIORITY of 4 bytes")), .frameSizeError))
        state = Self.open()
        #expect(
            state.decodingFailed(.connection(.compressionError, "bad HPACK"))
                == .goAway(lastStreamID: .rootStream, .compressionError, detail: "bad HPACK"))
    }

    /// HEADERS read whole whose list is over the limit open their stream and reset it alone (audit8: they were a
    /// connection error); frames in flight on it are ignored, and the next stream opens as usual.
    @Test func anOversizeHeaderListResetsItsNewStream() {
        var state = Self.open()
        #expect(
            state.decodingFailed(.headerListTooLarge(1, "a header list of 20000 bytes"))
                == .resetStream(1, .enhanceYourCalm, endsCall: false))
        #expect(state.highestStreamID == 1)
        #expect(state.received(.data(1, ByteBuffer(), endStream: true, flowControlledLength: 0), at: Self.t0) == .none)
        guard case .open(3, _, _) = state.received(.headers(3, Self.request("GET"), endStream: true), at: Self.t0)
        else {
            Issue.record("stream 3 did not open")
            return
        }
        // On an even stream, the connection's error.
        #expect(Self.isGoAway(state.decodingFailed(.headerListTooLarge(4, "too large")), .protocolError))
    }

    @Test func theRateWindowForgetsEventsOlderThanItsWindow() {
        var window = HTTP2RateWindow(maximum: 2, window: .seconds(10))
        let seconds: [Int64] = [0, 5, 11, 12, 100]
        let exceeded = seconds.map { window.record(at: Self.t0 + .seconds($0)) }
        // The first is gone by the third; three within 10 s at the fourth; once exceeded, it stays so.
        #expect(exceeded == [false, false, false, true, true])
    }

    @Test func contentLengthValues() {
        #expect(HTTP2ContentLength(HTTP2Fields([("content-length", "12")]))?.remaining == 12)
        #expect(HTTP2ContentLength(HTTP2Fields([("content-length", "12, 12")]))?.remaining == 12)
        #expect(HTTP2ContentLength(HTTP2Fields([("content-length", "12, 13")])) == nil)
        #expect(HTTP2ContentLength(HTTP2Fields([("content-length", "-1")])) == nil)
        #expect(HTTP2ContentLength(HTTP2Fields([("content-length", "+1")])) == nil)
        #expect(HTTP2ContentLength(HTTP2Fields([("content-length", "")])) == nil)
        #expect(HTTP2ContentLength(HTTP2Fields([("content-length", "99999999999999999999")])) == nil)
        #expect(HTTP2ContentLength(HTTP2Fields([("a", "b")]))?.remaining == nil)
        #expect(
            HTTP2ContentLength(HTTP2Fields([(":status", "304"), ("content-length", "5")]), requestMethod: "GET")?
                .remaining == 0)
    }
}
