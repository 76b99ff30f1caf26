import NIOCore
import NIOHPACK
import NIOHTTP2

/// The server side of a client's HTTP/2 connection as the gateway's own codec is to run it (in place of
/// `NIOHTTP2Handler` and its per-stream state machines): a value fed the client's decoded frames
/// (`ReplicaFrameDecoder`, which already bounds frame sizes, header blocks and CONTINUATION floods) and the gateway's
/// response frames, that answers what to do, never doing it. It keeps every rule the connection's peer is held to,
/// with swift-nio-http2's answers and limits where the protocol leaves the choice:
///
/// - the preface's SETTINGS first; client stream ids odd, increasing, never reused (RFC 9113 § 5.1.1);
/// - frames on idle streams (PROTOCOL_ERROR), on half-closed or closed ones (STREAM_CLOSED), frames on streams the
///   gateway reset ignored (§ 5.1), trailers without END_STREAM (PROTOCOL_ERROR);
/// - SETTINGS_MAX_CONCURRENT_STREAMS (REFUSED_STREAM above it), new streams after the gateway's GOAWAY refused;
/// - flow control both ways (`ReplicaFlowWindows`: FLOW_CONTROL_ERROR on DATA past a window or an update past
///   2^31-1), the connection's receiving window topped up as it is spent;
/// - header blocks checked (`HTTP2HeaderCheck`) and `content-length` against DATA (`HTTP2ContentLength`), both ways;
/// - rapid reset (CVE-2023-44487: `maxResets` RST_STREAM per `resetWindow`), control-frame floods (PING, SETTINGS,
///   PRIORITY, and frames of unknown types, which are otherwise ignored: 200 per 30 s), empty DATA frames in a row, and stream errors ("glitches": 200 per connection): each
///   ends the connection with GOAWAY ENHANCE_YOUR_CALM.
///
/// Stream errors reset the stream and the connection goes on; connection errors are a GOAWAY with the last stream
/// the gateway processed, after which the state only refuses.
struct ClientConnectionState {
    /// The limits, from the gateway's settings (the values NIOHTTP2 was configured with on this leg).
    struct Limits: Equatable {
        var maxConcurrentStreams: Int
        /// SETTINGS_INITIAL_WINDOW_SIZE the gateway advertises: each stream's receiving window.
        var streamWindow: Int
        /// The connection's receiving window, kept topped up towards this.
        var connectionWindow: Int
        var maxResets: Int
        var resetWindow: TimeAmount
        /// PING, SETTINGS, PRIORITY and unknown-type frames (swift-nio-http2's `controlFrameRateLimit` defaults; it
        /// does not count unknown types, which a client could then send without a bound: audit7).
        var maxControlFrames = 200
        var controlFrameWindow = TimeAmount.seconds(30)
        /// Stream errors the client may cause on one connection (swift-nio-http2's glitch limit; the gateway's
        /// malformed-block limit was the same 200).
        var maxStreamErrors = 200
        /// Empty DATA frames without END_STREAM in a row (swift-nio-http2's `maximumSequentialEmptyDataFrames`).
        var maxEmptyDataFrames = 1
        /// WINDOW_UPDATE frames the client may send per DATA frame the gateway sent it (Envoy's
        /// `max_inbound_window_update_frames_per_data_frame_sent`, default 10): a client's updates answer the DATA it
        /// reads, so more is a flood (audit9). See `windowUpdateAllowance`.
        var windowUpdatesPerDataFrame = 10
        /// Streams the gateway reset that are remembered, so that the client's frames in flight on them are ignored
        /// rather than taken as errors (swift-nio-http2's `maximumRecentlyResetStreams`).
        var recentlyResetStreams = 32

        init(_ settings: HTTP2GatewaySettings) {
            maxConcurrentStreams = settings.maxConcurrentStreams
            streamWindow = settings.streamWindow
            connectionWindow = max(settings.connectionWindow, settings.streamWindow)
            maxResets = settings.maxResets
            resetWindow = settings.resetWindow
        }
    }

    enum Phase: Equatable {
        /// The preface was read; the client's SETTINGS must come first.
        case awaitingSettings
        case open
        /// The gateway sent GOAWAY (drain, idle): streams up to `lastStreamID` finish, no new one starts.
        case goingAway(lastStreamID: HTTP2StreamID)
        /// A connection error: GOAWAY was (to be) sent, nothing more is read.
        case failed
    }

    /// What to do with a frame the client sent.
    enum Inbound: Equatable {
        /// Nothing to do (a setting applied, a frame the protocol says to ignore).
        case none
        /// A new call: its request head (checked).
        case open(HTTP2StreamID, HTTP2Fields, endStream: Bool)
        /// A call's trailers (checked; they end its request). `closesStream`: the response had ended already, the
        /// stream is now closed and forgotten.
        case trailers(HTTP2StreamID, HTTP2Fields, closesStream: Bool)
        /// A call's request body. `streamWindow`: the stream's receiving window left, for deciding its WINDOW_UPDATE.
        case data(HTTP2StreamID, ByteBuffer, endStream: Bool, streamWindow: Int, closesStream: Bool)
        /// The client reset the stream: its call ends.
        case clientReset(HTTP2StreamID, HTTP2ErrorCode)
        /// Write RST_STREAM with `code` (a stream error, a refused stream); `endsCall`: a call was running on it.
        case resetStream(HTTP2StreamID, HTTP2ErrorCode, endsCall: Bool)
        /// Write the SETTINGS acknowledgement; streams waiting for window may go on (the initial window may have
        /// grown, `peerMaxFrameSize` may have changed).
        case acknowledgeSettings
        case acknowledgePing(UInt64)
        /// The peer's window grew: the stream's DATA waiting may go on (stream 0: every waiting stream's).
        case windowOpened(HTTP2StreamID)
        /// A connection error: write GOAWAY (`lastStreamID`, `code`), then close; `detail` is for the log.
        case goAway(lastStreamID: HTTP2StreamID, HTTP2ErrorCode, detail: String)
    }

    /// One stream the client opened that is not closed yet.
    struct Stream: Equatable {
        /// The client sent END_STREAM (half-closed remote).
        var remoteEnded = false
        /// The gateway sent END_STREAM (half-closed local).
        var localEnded = false
        var requestLength: HTTP2ContentLength
        /// The request's method is HEAD (its response has no body). Not the method's text: a `String` here made
        /// every copy of a stream's state a call through value witnesses (~500 instructions per request).
        var requestIsHEAD: Bool
        /// The final response head went out (a later block is trailers).
        var responseStarted = false
        var responseLength = HTTP2ContentLength(remaining: nil)
    }

    let limits: Limits
    // The state below is changed only by this type's methods (in its `+Inbound` and `+Outbound` files too).
    var phase = Phase.awaitingSettings
    var windows: ReplicaFlowWindows
    private var connectionWindow: HTTP2InboundWindow
    var streams = HTTP2StreamMap<Stream>()
    /// The highest stream id the client used (0 before its first stream): lower ids are never new.
    var highestStreamID = HTTP2StreamID.rootStream
    /// Streams the gateway reset, newest last (a ring of `limits.recentlyResetStreams`).
    private var recentlyReset: [HTTP2StreamID] = []
    var resets: HTTP2RateWindow
    var controlFrames: HTTP2RateWindow
    private(set) var streamErrors = 0
    var emptyDataFrames = 0
    /// WINDOW_UPDATE frames the client sent, streams it opened and DATA frames the gateway sent it, on the whole
    /// connection: the WINDOW_UPDATE flood bound (`windowUpdateAllowance`).
    var windowUpdates = 0
    var openedStreams = 0
    var dataFramesSent = 0
    /// The client's SETTINGS_MAX_FRAME_SIZE: the longest frame the gateway may write it.
    var peerMaxFrameSize = ReplicaFrameType.minMaxFrameSize

    init(limits: Limits) {
        self.limits = limits
        self.windows = ReplicaFlowWindows(receiveInitial: limits.streamWindow)
        self.connectionWindow = HTTP2InboundWindow(target: limits.connectionWindow)
        self.resets = HTTP2RateWindow(maximum: limits.maxResets, window: limits.resetWindow)
        self.controlFrames = HTTP2RateWindow(maximum: limits.maxControlFrames, window: limits.controlFrameWindow)
        recentlyReset.reserveCapacity(limits.recentlyResetStreams)
    }

    /// The WINDOW_UPDATE frames the client may have sent so far: Envoy's rule, 5 + 2 × (streams opened + 10 × DATA
    /// frames sent). A client that reads what it is sent updates its windows at most once or twice per DATA frame
    /// (stream and connection), and may widen them once per stream it opens; WINDOW_UPDATE frames beyond that ask
    /// nothing of the gateway and cost it a frame's decoding each, like PING, which is bounded (audit9: 200,000
    /// updates of 1 on one connection were all read, 1.5 s of the gateway's CPU in a debug build, and the
    /// connection stayed open).
    var windowUpdateAllowance: Int {
        5 + 2 * (openedStreams + limits.windowUpdatesPerDataFrame * dataFramesSent)
    }

    /// Streams open (or half-closed), as SETTINGS_MAX_CONCURRENT_STREAMS counts them.
    var openStreams: Int { streams.count }

    /// The WINDOW_UPDATE for the connection due now, if any (asked after each read batch: the client's DATA, kept
    /// or ignored, spends the window, which is topped up once half of it is spent). Counted as sent.
    mutating func connectionWindowUpdate() -> Int? {
        guard let increment = connectionWindow.changed(to: windows.receiveConnection) else { return nil }
        windows.receiveUpdated(.rootStream, increment: increment)
        return increment
    }

    /// The gateway sent a stream's WINDOW_UPDATE (its call reads on: `HTTP2StreamTable` decides when).
    mutating func sentWindowUpdate(_ id: HTTP2StreamID, increment: Int) {
        windows.receiveUpdated(id, increment: increment)
    }

    /// The stream is gone both ways: forgotten, its slot free.
    mutating func forget(_ id: HTTP2StreamID) {
        streams[HTTP2StreamKey(id)] = nil
        windows.close(id)
    }

    /// The gateway resets the stream: forgotten, and remembered so that the client's frames in flight are ignored.
    mutating func forgetReset(_ id: HTTP2StreamID) {
        forget(id)
        if recentlyReset.count == limits.recentlyResetStreams, !recentlyReset.isEmpty { recentlyReset.removeFirst() }
        recentlyReset.append(id)
    }

    func wasReset(_ id: HTTP2StreamID) -> Bool { recentlyReset.contains(id) }

    /// A connection error: the GOAWAY that reports it (the last stream the gateway took); reading ends.
    mutating func fail(_ code: HTTP2ErrorCode, _ detail: String) -> Inbound {
        phase = .failed
        return .goAway(lastStreamID: highestStreamID, code, detail: detail)
    }

    /// A stream error the client caused: the stream is reset (and forgotten), and counted: past
    /// `limits.maxStreamErrors` the connection is closed instead.
    mutating func streamError(_ id: HTTP2StreamID, _ code: HTTP2ErrorCode) -> Inbound {
        let running = streams[HTTP2StreamKey(id)] != nil
        forgetReset(id)
        streamErrors += 1
        guard streamErrors <= limits.maxStreamErrors else {
            return fail(.enhanceYourCalm, "more than \(limits.maxStreamErrors) stream errors")
        }
        return .resetStream(id, code, endsCall: running)
    }
}
