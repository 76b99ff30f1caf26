import NIOCore
import NIOHTTP2

/// A call's frame as the gateway's legs and proxies pass it: NIOHTTP2's `HTTP2Frame.FramePayload` in shape (the
/// frames a call exchanges, with the same names), with header blocks as the gateway's own `HTTP2Fields` instead of
/// `HPACKHeaders`, so that a block goes from one leg's decoder to the other leg's encoder without becoming `String`s.
/// NIOHTTP2's legs (`UpstreamFrameHandler`, a client connection under `NIOHTTP2Handler`) convert at their edge.
enum CallFrame {
    struct Headers {
        /// The block as it came (from a decoder, the bridge, the gateway's own answer).
        var block: HTTP2Fields
        /// The fields the gateway adds to it on the way, written after it by the gateway's own encoders: appended to
        /// `block` instead, they copied it (its storage is shared with the frame it was read in).
        var added = HTTP2AddedFields()
        var endStream: Bool

        init(headers: HTTP2Fields, endStream: Bool = false) {
            self.block = headers
            self.endStream = endStream
        }

        /// The whole block, the added fields appended (the legs that are not the gateway's own codecs, the checks of
        /// the bridge); set: a new block, nothing added.
        var headers: HTTP2Fields {
            get {
                guard !added.isEmpty else { return block }
                var headers = block
                added.add(to: &headers)
                return headers
            }
            set {
                block = newValue
                added = HTTP2AddedFields()
            }
        }
    }

    struct Data {
        var data: IOData
        var endStream: Bool

        init(data: IOData, endStream: Bool = false) {
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
        case .data(let data): self = .data(.init(data: data.data, endStream: data.endStream))
        case .rstStream(let code): self = .rstStream(code)
        case .windowUpdate(let increment): self = .windowUpdate(windowSizeIncrement: increment)
        case .goAway(let last, let code, let opaque): self = .goAway(lastStreamID: last, errorCode: code, opaqueData: opaque)
        default: return nil
        }
    }

    /// As NIOHTTP2's frame (for its legs).
    var payload: HTTP2Frame.FramePayload {
        switch self {
        case .headers(let headers):
            .headers(.init(headers: headers.headers.hpackHeaders, endStream: headers.endStream))
        case .data(let data): .data(.init(data: data.data, endStream: data.endStream))
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

/// The fields the gateway adds to a block it forwards: the forwarding fields of a request towards an HTTP/2 replica,
/// and the call's request id (either way). Their values are the gateway's own (the client's address, the listener's
/// scheme, a host `HeadParser.isValidHost` accepted, a request id `RequestIDCheck` accepted or made), so no check
/// reads them again.
struct HTTP2AddedFields {
    var forwarding: HTTP2StreamProxy.Forwarding?
    var requestID: String?

    var isEmpty: Bool { forwarding == nil && requestID == nil }

    /// Appends them to `fields` (what the encoders write after a block).
    func add(to fields: inout HTTP2Fields) {
        forwarding?.add(to: &fields)
        if let requestID { HTTP2StreamProxy.addRequestID(requestID, to: &fields) }
    }

    /// Calls `body` with each field's name, value and whether it is never indexed, in `add`'s order.
    @inline(__always)
    func forEach(_ body: (StaticString, String) -> Void) {
        if let forwarding {
            body("x-forwarded-for", forwarding.clientAddress)
            body("x-forwarded-proto", forwarding.scheme)
            body("x-forwarded-host", forwarding.host)
        }
        if let requestID { body("x-request-id", requestID) }
    }
}
