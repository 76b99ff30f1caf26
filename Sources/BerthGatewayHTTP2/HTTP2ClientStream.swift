import BerthGatewayCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The client's side of one call on a client connection driven frame by frame (`ClientFrameHandler`): the call's
/// response frames go out with its stream id, and its request body is read only while its window is topped up.
/// Replaces a NIO stream channel (pipeline, promises, allocations) per call.
final class HTTP2ClientStream: ClientLeg {
    let id: HTTP2StreamID
    private let frames: ClientFrameHandler
    /// Let go when the stream closes (the call holds this stream too).
    var proxy: HTTP2StreamProxy?
    /// The gateway wrote the end of the stream (END_STREAM or RST_STREAM): nothing more goes out.
    private var ended = false
    private var resetSent = false
    /// The final response head went out: a further block is trailers.
    private var finalHeadSent = false
    /// Response bytes written but not yet on the wire (waiting for the client's window): above one stream window,
    /// the call stops reading its replica.
    private var queuedBytes = 0
    /// Set while in the connection handler's list of streams read in this read batch.
    var inReadBatch = false

    init(id: HTTP2StreamID, frames: ClientFrameHandler, proxy: HTTP2StreamProxy) {
        self.id = id
        self.frames = frames
        self.proxy = proxy
    }

    func write(_ payload: CallFrame) {
        guard !ended else { return }
        switch payload {
        case .headers(let headers):
            ended = headers.endStream
            return writeHeaders(payload, headers.headers)
        case .rstStream:
            ended = true
            resetSent = true
        case .data(let data):
            ended = data.endStream
            if case let buffer = data.data, buffer.readableBytes > 0, !ended {
                return writeTracked(payload, size: buffer.readableBytes)
            }
        default: break
        }
        frames.write(id, payload, promise: nil)
    }

    /// A DATA frame in the middle of the response: counted until it leaves, for backpressure.
    private func writeTracked(_ payload: CallFrame, size: Int) {
        let wasWritable = isWritable
        queuedBytes += size
        let promise = frames.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { [self] _ in
            let before = isWritable
            queuedBytes -= size
            if !before, isWritable { proxy?.clientWritabilityChanged(true) }
        }
        frames.write(id, payload, promise: promise)
        if wasWritable, !isWritable { proxy?.clientWritabilityChanged(false) }
    }

    /// A response or trailers block: the replica's connection does not validate header blocks (they are validated
    /// once, here: `HTTP2GatewaySettings`). With `HTTP2HeaderCheck` (the default) an invalid block is refused here
    /// and the call gives up as when NIO refused it: NIO's own check fails this write, which it reports as a stream
    /// error (`ClientFrameHandler.errorCaught`, then `failed()`): no promise per block either way.
    private func writeHeaders(_ payload: CallFrame, _ headers: HTTP2Fields) {
        if frames.checkHeaders {
            if let problem = HTTP2HeaderCheck.problem(headers, finalHeadSent ? .trailers : .response) {
                frames.refused(id, problem)
                failed()
                proxy?.clientWentAway()
                return
            }
            // An informational head (1xx) may come before the final one: the next block is a response head too.
            if !finalHeadSent, headers.first(name: ":status")?.utf8.first != UInt8(ascii: "1") { finalHeadSent = true }
        }
        frames.write(id, payload, promise: nil)
    }

    /// NIO reported a stream error: a block or frame of the response it refused to send (the stream is then left
    /// without a response unless reset), or the client's broken frame (NIO has reset and closed the stream by the
    /// next turn). Resets the stream from the next turn, if still open: the error is reported inside NIO's handler.
    func failed() {
        frames.eventLoop.execute { [self] in
            ended = true
            guard !resetSent, frames.isOpen(id) else { return }
            resetSent = true
            frames.write(id, .rstStream(.internalError), promise: nil)
            frames.flushSoon()
        }
    }

    func flush() { frames.flushSoon() }

    /// Resets the stream while the client may still send on it (a response that ended before the request did):
    /// its half would otherwise stay open and count against its concurrent streams.
    func close() {
        reset(.cancel)
    }

    func stopRequest() {
        reset(.noError)
    }

    private func reset(_ code: HTTP2ErrorCode) {
        ended = true
        guard !resetSent, frames.isOpen(id) else { return }
        resetSent = true
        frames.write(id, .rstStream(code), promise: nil)
        frames.flushSoon()
    }

    func setReading(_ on: Bool) { frames.setReading(id, on) }

    var isWritable: Bool { !ended && queuedBytes < frames.streamWindow }

    var allocator: ByteBufferAllocator { frames.allocator }

    var kernelSend: SendProgressWatch.KernelSend? { frames.kernelSend }
}
