import NIOCore
import NIOHTTP2

/// What a call's `HTTP2UpstreamStream` needs of its replica connection, whichever codec drives it: NIOHTTP2's
/// (`UpstreamFrameHandler`) or the gateway's own (`ReplicaCodecHandler`, `HTTP2GatewaySettings.replicaCodec`).
protocol UpstreamFrames: AnyObject {
    var eventLoop: any EventLoop { get }
    /// The receiving window of each stream: the most a call buffers of a response its client reads slowly.
    var streamWindow: Int { get }
    /// Whether no new stream fits (ids spent).
    var isExhausted: Bool { get }
    /// The next stream id for `stream`, which writes its HEADERS at once; nil when the ids are spent.
    func open(_ stream: HTTP2UpstreamStream, reading: Bool) -> HTTP2StreamID?
    func write(_ id: HTTP2StreamID, _ payload: CallFrame, promise: EventLoopPromise<Void>?)
    /// Flushes once per turn of the event loop for every call that wrote in it.
    func flush()
    /// The call gave the stream up: RST_STREAM(CANCEL), and the stream is forgotten.
    func reset(_ id: HTTP2StreamID)
    func setReading(_ id: HTTP2StreamID, _ on: Bool)
}

extension UpstreamFrameHandler: UpstreamFrames {}
