import NIOCore
import NIOHTTP2

/// The replica's side of one call: passes the replica's frames to the call's `HTTP2StreamProxy` and tells it how
/// the stream ended (RST_STREAM code, GOAWAY refusal, connection loss).
final class HTTP2UpstreamStream: ChannelInboundHandler, UpstreamLeg {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    let proxy: HTTP2StreamProxy
    /// Which try of the call this stream is (a late event of an abandoned try is ignored).
    let attempt: Int
    var closeReason: HTTP2ErrorCode?
    var closeDetail: String?
    var connection: HTTP2UpstreamConnection?
    /// The stream's channel, once open (the leg is handed to the proxy only then).
    var channel: (any Channel)?

    init(proxy: HTTP2StreamProxy, attempt: Int) {
        self.proxy = proxy
        self.attempt = attempt
    }

    // MARK: UpstreamLeg (the stream channel as the replica's side of the call)

    func send(_ payload: HTTP2Frame.FramePayload) { channel?.write(payload, promise: nil) }
    func flush() { channel?.flush() }
    func cancel() { channel?.close(promise: nil) }
    func setReading(_ on: Bool) { channel?.setAutoReadSoon(on) }
    var isWritable: Bool { channel?.isWritable ?? false }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        if case .rstStream(let code) = payload { closeReason = code }
        proxy.upstreamRead(payload, attempt: attempt)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        proxy.upstreamReadComplete(attempt: attempt)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        proxy.upstreamWritabilityChanged(context.channel.isWritable, attempt: attempt)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let closed = error as? NIOHTTP2Errors.StreamClosed {
            closeReason = closed.errorCode
        } else {
            closeDetail = "\(error)"
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.streamClosed()
        connection = nil
        channel = nil
        proxy.upstreamClosed(reason: closeReason, detail: closeDetail, attempt: attempt)
    }
}
