import NIOHTTP2

/// The streams of one multiplexed replica connection driven frame by frame (no NIO stream channel per call): which
/// call owns which stream id, the receiving window of each stream, and which streams a GOAWAY refused. Ids are given
/// in the order the streams' first HEADERS are written (HTTP/2 requires them to increase). A value type, tested
/// without sockets; `UpstreamFrameHandler` executes what it says.
struct HTTP2StreamTable<Leg> {
    struct Entry {
        var leg: Leg
        var window: HTTP2InboundWindow
    }

    /// The stream window each new stream starts with (what the gateway advertised as SETTINGS_INITIAL_WINDOW_SIZE).
    let streamWindow: Int
    /// The next client-initiated (odd) stream id.
    private(set) var nextStreamID = 1
    private var entries = HTTP2StreamMap<Entry>()
    /// The last stream the replica said it processes (from its GOAWAY); streams above were never processed.
    private(set) var goAwayLastStreamID: HTTP2StreamID?

    init(streamWindow: Int) {
        self.streamWindow = streamWindow
    }

    var count: Int { entries.count }

    /// No stream id left on this connection (it takes no new stream, and closes once idle).
    var isExhausted: Bool { nextStreamID > Int(Int32.max) - 2 }

    /// Gives the next stream id to `leg`, which writes its HEADERS at once; nil when the ids are spent.
    mutating func open(_ leg: Leg, reading: Bool) -> HTTP2StreamID? {
        guard !isExhausted else { return nil }
        let id = HTTP2StreamID(nextStreamID)
        nextStreamID += 2
        var window = HTTP2InboundWindow(target: streamWindow)
        _ = window.setReading(reading)
        entries[HTTP2StreamKey(id)] = Entry(leg: leg, window: window)
        return id
    }

    /// A stream the peer opened (a client's HEADERS, on the gateway's server side).
    mutating func insert(_ leg: Leg, id: HTTP2StreamID) {
        entries[HTTP2StreamKey(id)] = Entry(leg: leg, window: HTTP2InboundWindow(target: streamWindow))
    }

    func leg(_ id: HTTP2StreamID) -> Leg? { entries[HTTP2StreamKey(id)]?.leg }

    /// The replica's side of the stream ended (END_STREAM read): its window needs no update any more.
    mutating func inboundEnded(_ id: HTTP2StreamID) {
        entries.update(HTTP2StreamKey(id)) { $0.window.closed = true }
    }

    /// The handler reports the stream's receiving window; returns the WINDOW_UPDATE increment due, if any.
    mutating func windowChanged(_ id: HTTP2StreamID, to size: Int) -> Int? {
        entries.update(HTTP2StreamKey(id)) { $0.window.changed(to: size) } ?? nil
    }

    /// NIO reports a receiving window's new size, a stream's or (root stream) the connection's, which the handler
    /// keeps in `connection`; returns the WINDOW_UPDATE increment due, if any.
    mutating func windowUpdated(
        _ event: NIOHTTP2WindowUpdatedEvent, connection: inout HTTP2InboundWindow
    ) -> Int? {
        guard let size = event.inboundWindowSize else { return nil }
        return event.streamID == .rootStream
            ? connection.changed(to: size) : windowChanged(event.streamID, to: size)
    }

    /// The call's client takes the response (true) or not (false); returns the WINDOW_UPDATE increment due, if any.
    mutating func setReading(_ id: HTTP2StreamID, _ on: Bool) -> Int? {
        entries.update(HTTP2StreamKey(id)) { $0.window.setReading(on) } ?? nil
    }

    mutating func goAway(lastStreamID: HTTP2StreamID) {
        goAwayLastStreamID = min(goAwayLastStreamID ?? lastStreamID, lastStreamID)
    }

    /// The stream closed with `reason` (nil: cleanly): forgets it and returns its leg with the reason the call
    /// should see. A stream above the replica's GOAWAY was never processed: REFUSED_STREAM, safe to retry elsewhere
    /// (NIO closes such streams with CANCEL).
    mutating func close(_ id: HTTP2StreamID, reason: HTTP2ErrorCode?) -> (leg: Leg, reason: HTTP2ErrorCode?)? {
        guard let entry = entries.removeValue(forKey: HTTP2StreamKey(id)) else { return nil }
        if let last = goAwayLastStreamID, id > last, reason != nil {
            return (entry.leg, .refusedStream)
        }
        return (entry.leg, reason)
    }

    /// The connection is gone: every open stream's leg, the table emptied.
    mutating func removeAll() -> [Leg] {
        let legs = entries.values.map(\.leg)
        entries.removeAll()
        return legs
    }
}
