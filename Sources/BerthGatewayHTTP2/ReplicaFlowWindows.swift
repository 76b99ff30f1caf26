import NIOHTTP2

/// The flow-control windows of one replica connection driven by the gateway's own codec (RFC 9113 § 6.9), both
/// ways, in place of NIOHTTP2's per-stream state machines: what the gateway may still send (the connection's window
/// and each open stream's, from the replica's SETTINGS_INITIAL_WINDOW_SIZE and WINDOW_UPDATEs; a call holds its
/// body until `sendable` allows it, which backpressures its client), and what the replica may still send (DATA past
/// the window the gateway advertised is the replica's error). `HTTP2StreamTable` decides when to top the receiving
/// windows up; this type reports their sizes to it.
struct ReplicaFlowWindows {
    /// What the gateway may send on the connection.
    private(set) var sendConnection = 65_535
    /// The replica's SETTINGS_INITIAL_WINDOW_SIZE.
    private(set) var sendInitial = 65_535
    /// What the replica may send on the connection.
    private(set) var receiveConnection: Int
    /// What the gateway advertised as SETTINGS_INITIAL_WINDOW_SIZE.
    let receiveInitial: Int
    private var streams = HTTP2StreamMap<Stream>()
    /// Open streams with DATA waiting for window: what a connection WINDOW_UPDATE (or a new initial window) lets
    /// go on, so that it wakes only them, not every open stream (grpc-core sends many connection updates).
    private(set) var waiting: Set<HTTP2StreamKey> = []

    private struct Stream {
        var send: Int
        var receive: Int
    }

    /// The connection's receiving window starts at the protocol's 65,535 whatever the settings (RFC 9113 § 6.9.2);
    /// the handler's first WINDOW_UPDATE raises it to its target.
    init(receiveInitial: Int) {
        self.receiveInitial = receiveInitial
        self.receiveConnection = 65_535
    }

    mutating func open(_ id: HTTP2StreamID) {
        streams[HTTP2StreamKey(id)] = Stream(send: sendInitial, receive: receiveInitial)
    }

    mutating func close(_ id: HTTP2StreamID) {
        streams[HTTP2StreamKey(id)] = nil
        // Hashing the key is the cost of a removal: skipped while nothing waits (the usual case).
        if !waiting.isEmpty { waiting.remove(HTTP2StreamKey(id)) }
    }

    /// Whether the open stream has DATA that waits for window (the handler says so whenever its queue changes).
    mutating func setWaiting(_ id: HTTP2StreamID, _ on: Bool) {
        let key = HTTP2StreamKey(id)
        if on, streams[key] != nil {
            waiting.insert(key)
        } else if !on, !waiting.isEmpty {
            waiting.remove(key)
        }
    }

    /// The most DATA bytes the stream may send now (0 for a stream not open).
    func sendable(_ id: HTTP2StreamID) -> Int {
        guard let stream = streams[HTTP2StreamKey(id)] else { return 0 }
        return max(0, min(sendConnection, stream.send))
    }

    /// The stream sent `bytes` of DATA (at most `sendable`).
    mutating func sent(_ id: HTTP2StreamID, _ bytes: Int) {
        precondition(bytes <= sendable(id), "DATA beyond the replica's window")
        sendConnection -= bytes
        streams.update(HTTP2StreamKey(id)) { $0.send -= bytes }
    }

    /// The replica's WINDOW_UPDATE (stream 0: the connection's); a window pushed past 2^31-1 is its error, the
    /// connection's or the stream's. Updates for streams already closed are ignored, as the protocol allows.
    mutating func windowUpdate(_ id: HTTP2StreamID, increment: Int) throws(ReplicaCodecError) {
        if id == .rootStream {
            guard sendConnection + increment <= ReplicaFrameType.maxWindow else {
                throw .connection(.flowControlError, "the connection's window past 2^31-1")
            }
            sendConnection += increment
            return
        }
        let key = HTTP2StreamKey(id)
        guard let window = streams[key]?.send else { return }
        guard window + increment <= ReplicaFrameType.maxWindow else {
            throw .stream(id, .flowControlError, "the stream's window past 2^31-1")
        }
        streams.update(key) { $0.send = window + increment }
    }

    /// The replica's SETTINGS_INITIAL_WINDOW_SIZE: every open stream's window moves by the difference (and may go
    /// below zero: RFC 9113 § 6.9.2); one pushed past 2^31-1 is the connection's error.
    mutating func initialWindowSize(_ value: Int) throws(ReplicaCodecError) {
        guard value <= ReplicaFrameType.maxWindow else {
            throw .connection(.flowControlError, "SETTINGS_INITIAL_WINDOW_SIZE \(value)")
        }
        let delta = value - sendInitial
        sendInitial = value
        guard delta != 0 else { return }
        for key in streams.keys {
            let window = streams[key]!.send + delta
            guard window <= ReplicaFrameType.maxWindow else {
                throw .connection(.flowControlError, "a stream's window past 2^31-1 by SETTINGS_INITIAL_WINDOW_SIZE")
            }
            streams.update(key) { $0.send = window }
        }
    }

    /// The replica sent `length` bytes of DATA (padding included) on the stream: the new receiving windows, the
    /// stream's (nil when it is not open: DATA after a reset, still charged to the connection) and the
    /// connection's. DATA past either window is the replica's error.
    mutating func received(
        _ id: HTTP2StreamID, _ length: Int
    ) throws(ReplicaCodecError) -> (stream: Int?, connection: Int) {
        guard length <= receiveConnection else {
            throw .connection(.flowControlError, "DATA past the connection's window")
        }
        receiveConnection -= length
        let key = HTTP2StreamKey(id)
        guard let window = streams[key]?.receive else { return (nil, receiveConnection) }
        guard length <= window else { throw .stream(id, .flowControlError, "DATA past the stream's window") }
        streams.update(key) { $0.receive = window - length }
        return (window - length, receiveConnection)
    }

    /// The gateway sent a WINDOW_UPDATE (stream 0: the connection's).
    mutating func receiveUpdated(_ id: HTTP2StreamID, increment: Int) {
        if id == .rootStream {
            receiveConnection = min(receiveConnection + increment, ReplicaFrameType.maxWindow)
        } else {
            streams.update(HTTP2StreamKey(id)) { $0.receive += increment }
        }
    }
}
