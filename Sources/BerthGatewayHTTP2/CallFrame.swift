import NIOCore
import NIOHTTP2

/// A call's frame as the gateway's legs and proxies pass it: NIOHTTP2's `HTTP2Frame.FramePayload` in shape (the
/// frames a call exchanges, with the same names), with header blocks as the gateway's own `HTTP2Fields` instead of
/// `HPACKHeaders`, so that a block goes from one leg's decoder to the other leg's encoder without becoming `String`s.
/// NIOHTTP2's legs (`UpstreamFrameHandler`, a client connection under `NIOHTTP2Handler`) convert at their edge.
enum CallFrame {
    struct Headers {
        var headers: HTTP2Fields
        var endStream: Bool

        init(headers: HTTP2Fields, endStream: Bool = false) {
            self.headers = headers
            self.endStream = endStream
        }
    }

    /// A body's bytes: a `ByteBuffer`, not NIO's `IOData` (no call sends a file region), which made every frame's
    /// destruction go through value witnesses.
    struct Data {
        var data: ByteBuffer
        var endStream: Bool

        init(data: ByteBuffer, endStream: Bool = false) {
            self.data = data
            self.endStream = endStream
        }
    }

    case headers(Headers)
    case data(Data)
    case rstStream(HTTP2ErrorCode)
    case windowUpdate(windowSizeIncrement: Int)
    case goAway(lastStreamID: HTTP2StreamID, errorCode: HTTP2ErrorCode, opaqueData: ByteBuffer?)

    /// NIOHTTP2's frame, nil for the kinds no call exchanges (SETTINGS, PING, PRIORITY, PUSH_PROMISE...).
    init?(_ payload: HTTP2Frame.FramePayload) {
        switch payload {
        case .headers(let headers):
            self = .headers(.init(headers: HTTP2Fields(headers.headers), endStream: headers.endStream))
        case .data(let data):
            guard case .byteBuffer(let buffer) = data.data else { return nil }
            self = .data(.init(data: buffer, endStream: data.endStream))
        case .rstStream(let code): self = .rstStream(code)
        case .windowUpdate(let increment): self = .windowUpdate(windowSizeIncrement: increment)
        case .goAway(let last, let code, let opaque):
            self = .goAway(lastStreamID: last, errorCode: code, opaqueData: opaque)
        default: return nil
        }
    }

    /// As NIOHTTP2's frame (for its legs).
    var payload: HTTP2Frame.FramePayload {
        switch self {
        case .headers(let headers):
            .headers(.init(headers: headers.headers.hpackHeaders, endStream: headers.endStream))
        case .data(let data): .data(.init(data: .byteBuffer(data.data), endStream: data.endStream))
        case .rstStream(let code): .rstStream(code)
        case .windowUpdate(let increment): .windowUpdate(windowSizeIncrement: increment)
        case .goAway(let last, let code, let opaque): .goAway(lastStreamID: last, errorCode: code, opaqueData: opaque)
        }
    }

    var isReset: Bool {
        if case .rstStream = self { return true }
        return false
    }
}
