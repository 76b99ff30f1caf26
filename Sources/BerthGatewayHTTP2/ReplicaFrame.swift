import NIOCore
import NIOHPACK
import NIOHTTP2

/// A frame from a replica's connection as the replica leg's own codec reads it (`ReplicaFrameDecoder`): only what
/// the leg acts on, the header block already decoded (HEADERS with its CONTINUATIONs is one frame here), PRIORITY
/// (unless asked for) and unknown types dropped. `ClientConnectionState` judges a client's frames in the same form. The gateway chooses that connection's settings and the peer is a replica it
/// supervises, so no per-stream state machine of NIOHTTP2's runs on this leg (the stream table keeps what is needed).
enum ReplicaFrame: Equatable {
    case headers(HTTP2StreamID, HTTP2Fields, endStream: Bool)
    /// `flowControlledLength` is the frame's whole payload, padding included: what the windows are charged.
    case data(HTTP2StreamID, ByteBuffer, endStream: Bool, flowControlledLength: Int)
    case rstStream(HTTP2StreamID, HTTP2ErrorCode)
    case settings([ReplicaSetting])
    case settingsAck
    case ping(UInt64, ack: Bool)
    case goAway(lastStreamID: HTTP2StreamID, HTTP2ErrorCode)
    /// Stream 0 is the connection's window.
    case windowUpdate(HTTP2StreamID, increment: Int)
    /// Read only when the decoder reports them (`reportsIgnoredFrames`, a client's connection, where they count
    /// against the control-frame flood limit); nothing acts on priorities.
    case priority(HTTP2StreamID)
    /// A frame of a type RFC 9113 does not define, which the protocol says to ignore (§ 4.1, § 5.5). Read only when
    /// the decoder reports them (`reportsIgnoredFrames`): ignoring is not free, so a client's count against the
    /// control-frame flood limit (found by the outside audit, audit7: a million were read without a bound).
    case unknown(HTTP2StreamID, type: UInt8)
}

/// One SETTINGS parameter as sent on the wire (RFC 9113 § 6.5.1), checked by the decoder for the values the
/// protocol forbids.
struct ReplicaSetting: Equatable {
    var identifier: UInt16
    var value: UInt32

    static let headerTableSize: UInt16 = 0x1
    static let enablePush: UInt16 = 0x2
    static let maxConcurrentStreams: UInt16 = 0x3
    static let initialWindowSize: UInt16 = 0x4
    static let maxFrameSize: UInt16 = 0x5
    static let maxHeaderListSize: UInt16 = 0x6
}

/// The frame types and flags the codec reads and writes (RFC 9113 § 6).
enum ReplicaFrameType {
    static let data: UInt8 = 0x0
    static let headers: UInt8 = 0x1
    static let priority: UInt8 = 0x2
    static let rstStream: UInt8 = 0x3
    static let settings: UInt8 = 0x4
    static let pushPromise: UInt8 = 0x5
    static let ping: UInt8 = 0x6
    static let goAway: UInt8 = 0x7
    static let windowUpdate: UInt8 = 0x8
    static let continuation: UInt8 = 0x9

    static let endStream: UInt8 = 0x1
    static let ack: UInt8 = 0x1
    static let endHeaders: UInt8 = 0x4
    static let padded: UInt8 = 0x8
    static let priorityFlag: UInt8 = 0x20

    /// The frame header's length: 24-bit length, type, flags, 31-bit stream id.
    static let headerLength = 9
    /// SETTINGS_MAX_FRAME_SIZE's default and least value, and the largest it may be.
    static let minMaxFrameSize = 1 << 14
    static let maxMaxFrameSize = (1 << 24) - 1
    /// The largest flow-control window.
    static let maxWindow = Int(Int32.max)
}
