import NIOCore
import NIOHPACK
import NIOHTTP2

/// The one stream of a `Health/Check` call: sends the request's HEADERS and DATA, gathers the response into a
/// `GRPCHealthAnswer`, and completes the probe's outcome when the server ends the stream.
final class GRPCHealthStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    /// What the call asks.
    struct Request: Sendable {
        var authority: String
        var service: String?
        var timeout: Duration
    }

    /// A health response is a few bytes; more than this is not a health server.
    private static let maxBodyBytes = 64 * 1024
    private let request: Request
    private let outcome: EventLoopPromise<ProbeOutcome>
    private var answer = GRPCHealthAnswer()

    init(request: Request, outcome: EventLoopPromise<ProbeOutcome>) {
        self.request = request
        self.outcome = outcome
    }

    func channelActive(context: ChannelHandlerContext) {
        let headers: HPACKHeaders = [
            ":method": "POST", ":scheme": "http", ":path": "/grpc.health.v1.Health/Check",
            ":authority": request.authority, "content-type": "application/grpc", "te": "trailers",
            "user-agent": "berth-probe", "grpc-timeout": Self.grpcTimeout(request.timeout),
        ]
        context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
        let message = GRPCHealthMessages.frame(GRPCHealthMessages.request(service: request.service ?? ""))
        let body = context.channel.allocator.buffer(bytes: message)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(body), endStream: true))), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if answer.httpStatus == nil {
                answer.httpStatus = frame.headers.first(name: ":status")
                answer.contentType = frame.headers.first(name: "content-type")
            }
            if let status = frame.headers.first(name: "grpc-status") { answer.grpcStatus = status }
            if let message = frame.headers.first(name: "grpc-message") { answer.grpcMessage = message }
            if frame.endStream { finish(context: context) }
        case .data(let frame):
            if case .byteBuffer(let buffer) = frame.data { answer.body += buffer.readableBytesView }
            if answer.body.count > Self.maxBodyBytes {
                outcome.succeed(.failure("not a gRPC answer: a response body over 64 KiB"))
                context.channel.parent?.close(promise: nil)
            } else if frame.endStream {
                finish(context: context)
            }
        case .rstStream(let code):
            outcome.succeed(.failure("the server reset the stream (HTTP/2 error code \(code.networkCode))"))
            context.channel.parent?.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // On the next tick: when the connection failed (an HTTP/1.1 server answered the preface), its streams close
        // before the connection's handler hears the error, whose words ("does not speak HTTP/2") must win (audit6).
        let outcome = self.outcome
        context.eventLoop.execute { outcome.succeed(.failure("stream closed before a response")) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        outcome.succeed(.failure("HTTP/2 stream error: \(error)"))
        context.channel.parent?.close(promise: nil)
    }

    private func finish(context: ChannelHandlerContext) {
        outcome.succeed(answer.outcome(service: request.service))
        context.channel.parent?.close(promise: nil)
    }

    /// gRPC's `grpc-timeout`: at most 8 digits and a unit; milliseconds while they fit.
    static func grpcTimeout(_ timeout: Duration) -> String {
        let (seconds, attoseconds) = timeout.components
        let milliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return milliseconds < 100_000_000 ? "\(milliseconds)m" : "\(min(seconds, 99_999_999))S"
    }
}
