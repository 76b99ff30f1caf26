import BerthGatewayCore
import NIOCore
import NIOHTTP2

/// The client's side of one call as the `HTTP2StreamProxy` answers it, whichever way the client came: a stream of
/// its HTTP/2 connection driven frame by frame (`HTTP2ClientStream`), or the channel the proxy sits in (an HTTP/1.1
/// client bridged to an HTTP/2 service, `ContextClientLeg`).
protocol ClientLeg: AnyObject {
    /// Writes a response frame without flushing.
    func write(_ payload: CallFrame)
    func flush()
    /// Ends the client's side of the call (after the gateway's own answer or a reset).
    func close()
    /// The response was written whole while the client's request is still open: the rest of it is not wanted
    /// (RFC 9113 § 8.1: RST_STREAM NO_ERROR, which leaves the response's status to the client; CANCEL made grpcio
    /// report every such call CANCELLED instead of the gateway's status, outside audit audit10).
    func stopRequest()
    /// Reads more of the client's request only while the replica takes it.
    func setReading(_ on: Bool)
    /// Whether the client takes more of the response now (else the replica is not read).
    var isWritable: Bool { get }
    var allocator: ByteBufferAllocator { get }
    /// What the kernel says of the client's socket's sending, when the socket is what holds the response back; nil
    /// otherwise (`Channel.kernelSendWhenBlocked`).
    var kernelSend: SendProgressWatch.KernelSend? { get }
}

/// The channel an `HTTP2StreamProxy` handler sits in, as the client's side of its call (the HTTP/1.1 bridge).
final class ContextClientLeg: ClientLeg {
    let context: ChannelHandlerContext

    init(context: ChannelHandlerContext) {
        self.context = context
    }

    func write(_ payload: CallFrame) { context.write(NIOAny(payload), promise: nil) }
    func flush() { context.flush() }
    func close() { context.close(promise: nil) }
    /// An HTTP/1.1 connection cannot skip the rest of a request: it is closed.
    func stopRequest() { context.close(promise: nil) }
    func setReading(_ on: Bool) { context.channel.setAutoReadSoon(on) }
    var isWritable: Bool { context.channel.isWritable }
    var allocator: ByteBufferAllocator { context.channel.allocator }
    var kernelSend: SendProgressWatch.KernelSend? { context.channel.kernelSendWhenBlocked }
}
