import NIOHTTP2

extension HTTP2ErrorCode {
    /// The code's name in RFC 9113 §7 (`INTERNAL_ERROR`), for messages that clients, the access log and the daemon's
    /// log show: NIO's own description (`HTTP2ErrorCode<0x2 Internal Error>`) is a Swift debugging form.
    var rfcName: String {
        switch networkCode {
        case 0x0: "NO_ERROR"
        case 0x1: "PROTOCOL_ERROR"
        case 0x2: "INTERNAL_ERROR"
        case 0x3: "FLOW_CONTROL_ERROR"
        case 0x4: "SETTINGS_TIMEOUT"
        case 0x5: "STREAM_CLOSED"
        case 0x6: "FRAME_SIZE_ERROR"
        case 0x7: "REFUSED_STREAM"
        case 0x8: "CANCEL"
        case 0x9: "COMPRESSION_ERROR"
        case 0xA: "CONNECT_ERROR"
        case 0xB: "ENHANCE_YOUR_CALM"
        case 0xC: "INADEQUATE_SECURITY"
        case 0xD: "HTTP_1_1_REQUIRED"
        default: "error code 0x\(String(networkCode, radix: 16))"
        }
    }
}
