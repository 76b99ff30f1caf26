import Logging
import NIOCore
import NIOHTTP2

/// The end of a client's HTTP/2 connection pipeline: logs why the gateway ended a connection that broke the
/// protocol (NIOHTTP2 has already sent GOAWAY with the error code), and tells the gateway it closed.
final class HTTP2ConnectionWatcher: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    let gateway: HTTP2Gateway
    let logger: Logger
    var peer = "unknown"

    init(gateway: HTTP2Gateway, logger: Logger) {
        self.gateway = gateway
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if let address = context.channel.remoteAddress?.ipAddress { peer = address }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOHTTP2Errors.StreamClosed { return }
        // One stream was reset (RST_STREAM PROTOCOL_ERROR); the connection goes on.
        if HTTP2StreamErrors.isStreamLevel(error) { return }
        logger.warning(
            "HTTP/2 client connection closed: \(HTTP2ErrorText.describe(error))",
            metadata: ["event": "http2_protocol_error", "client": "\(peer)"])
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        gateway.clientClosed(context.channel)
        context.fireChannelInactive()
    }
}

/// Words for NIOHTTP2's errors in the daemon's log.
enum HTTP2ErrorText {
    static func describe(_ error: any Error) -> String {
        switch error {
        case is NIOHTTP2Errors.ExcessiveRSTFrames:
            "too many RST_STREAM frames (rapid reset, CVE-2023-44487): GOAWAY ENHANCE_YOUR_CALM"
        case is NIOHTTP2Errors.ExcessiveContinuationFrames:
            "too many CONTINUATION frames in one header block: GOAWAY ENHANCE_YOUR_CALM"
        case is NIOHTTP2Errors.BadClientMagic:
            "the client did not send the HTTP/2 connection preface"
        case is NIOHTTP2Errors.ExcessiveEmptyDataFrames:
            "too many empty DATA frames: GOAWAY ENHANCE_YOUR_CALM"
        case is NIOHTTP2Errors.ExcessivelyLargeHeaderBlock:
            "a header block larger than the gateway accepts (max_header_bytes)"
        case is NIOHTTP2Errors.ExcessiveNumberOfGlitches:
            "too many protocol glitches on one connection: GOAWAY ENHANCE_YOUR_CALM"
        case is NIOHTTP2Errors.ExcessiveControlFrames:
            "control frames (PING, SETTINGS...) sent faster than the gateway accepts: GOAWAY ENHANCE_YOUR_CALM"
        case is NIOHTTP2Errors.ExcessiveStreamErrors:
            "too many stream errors: GOAWAY ENHANCE_YOUR_CALM"
        case let error as ReplicaCodecError:
            // The gateway's own codec on the connection (`ClientConnectionState`'s words, and its GOAWAY's code).
            "\(error.detail): GOAWAY \(codeName(error.code))"
        default:
            "protocol error: \(error)"
        }
    }

    /// The error code as RFC 9113 names it.
    static func codeName(_ code: HTTP2ErrorCode) -> String {
        switch code {
        case .protocolError: "PROTOCOL_ERROR"
        case .internalError: "INTERNAL_ERROR"
        case .flowControlError: "FLOW_CONTROL_ERROR"
        case .streamClosed: "STREAM_CLOSED"
        case .frameSizeError: "FRAME_SIZE_ERROR"
        case .compressionError: "COMPRESSION_ERROR"
        case .enhanceYourCalm: "ENHANCE_YOUR_CALM"
        default: "\(code)"
        }
    }
}
