import NIOCore
import NIOHPACK
import NIOHTTP2

/// Reads a replica's bytes into `ReplicaFrame`s, defensively although the peer is a supervised replica: a frame
/// longer than the gateway's SETTINGS_MAX_FRAME_SIZE is refused from its header (never buffered), a header block is
/// bounded in encoded bytes, CONTINUATION frames and decoded size, and every frame the protocol forbids (CONTINUATION
/// out of place, PUSH_PROMISE after ENABLE_PUSH 0, a SETTINGS value out of range, a wrong length) is a
/// `ReplicaCodecError`. HPACK is the gateway's `HPACKFieldDecoder` (or NIOHPACK's, `ownHPACK: false`) with the table
/// size the gateway advertised.
struct ReplicaFrameDecoder {
    /// The gateway's SETTINGS_MAX_FRAME_SIZE towards the replica (the protocol's default).
    let maxFrameSize: Int
    /// The most encoded bytes one header block (HEADERS and its CONTINUATIONs) may take.
    let maxHeaderBlockBytes: Int
    let maxContinuationFrames: Int
    /// PRIORITY frames and frames of unknown types are returned (`.priority`, `.unknown`) rather than skipped: a
    /// client's connection counts them.
    let reportsIgnoredFrames: Bool
    /// The HPACK decoder that reads header blocks: one of the two (`HTTP2GatewaySettings.ownHPACKDecoder`). Kept as
    /// optionals rather than an enum so that `own!.decode` mutates the table in place, never a copy.
    private var ownHPACK: HPACKFieldDecoder?
    private var nioHPACK: HPACKDecoder?
    private var pending: PendingBlock?
    /// Between a HEADERS without END_HEADERS and the CONTINUATION that ends its block.
    var isInsideHeaderBlock: Bool { pending != nil }

    /// A HEADERS frame without END_HEADERS: its fragments until the last CONTINUATION.
    private struct PendingBlock {
        var streamID: HTTP2StreamID
        var endStream: Bool
        var fragments: ByteBuffer
        /// Its priority names its own stream: refused once the block is decoded.
        var dependsOnItself = false
        var continuations = 0
    }

    init(
        maxHeaderListSize: Int, headerTableSize: Int, maxContinuationFrames: Int,
        maxFrameSize: Int = ReplicaFrameType.minMaxFrameSize, reportsIgnoredFrames: Bool = false, ownHPACK: Bool = true,
        allocator: ByteBufferAllocator = .init()
    ) {
        self.maxFrameSize = maxFrameSize
        self.reportsIgnoredFrames = reportsIgnoredFrames
        // HPACK's literals take up to ~1.6x their decoded size (Huffman's longest codes, length prefixes).
        self.maxHeaderBlockBytes = 2 * maxHeaderListSize + 1024
        self.maxContinuationFrames = maxContinuationFrames
        if ownHPACK {
            self.ownHPACK = HPACKFieldDecoder(maxHeaderListSize: maxHeaderListSize, maxTableSize: headerTableSize)
        } else {
            self.nioHPACK = HPACKDecoder(
                allocator: allocator, maxDynamicTableSize: headerTableSize, maxHeaderListSize: maxHeaderListSize)
        }
    }

    /// The next frame if `buffer` holds a whole one (consumed), nil when more bytes are needed (nothing consumed).
    mutating func next(from buffer: inout ByteBuffer) throws(ReplicaCodecError) -> ReplicaFrame? {
        while buffer.readableBytes >= ReplicaFrameType.headerLength {
            let start = buffer.readerIndex
            guard let high = buffer.getInteger(at: start, as: UInt16.self),
                let low = buffer.getInteger(at: start + 2, as: UInt8.self),
                let type = buffer.getInteger(at: start + 3, as: UInt8.self),
                let flags = buffer.getInteger(at: start + 4, as: UInt8.self),
                let rawID = buffer.getInteger(at: start + 5, as: UInt32.self)
            else { return nil }
            let length = Int(high) << 8 | Int(low)
            guard length <= maxFrameSize else {
                throw .connection(.frameSizeError, "a frame of \(length) bytes (at most \(maxFrameSize))")
            }
            guard buffer.readableBytes >= ReplicaFrameType.headerLength + length else { return nil }
            buffer.moveReaderIndex(forwardBy: ReplicaFrameType.headerLength)
            var payload = buffer.readSlice(length: length)!
            let id = HTTP2StreamID(Int32(bitPattern: rawID & 0x7fff_ffff))
            if let frame = try decode(type: type, flags: flags, id: id, payload: &payload) { return frame }
        }
        return nil
    }

    private mutating func decode(
        type: UInt8, flags: UInt8, id: HTTP2StreamID, payload: inout ByteBuffer
    ) throws(ReplicaCodecError) -> ReplicaFrame? {
        if pending != nil, type != ReplicaFrameType.continuation {
            throw .connection(.protocolError, "a frame of type \(type) inside a header block")
        }
        switch type {
        case ReplicaFrameType.data:
            try onStream(id, "DATA")
            let length = payload.readableBytes
            try stripPadding(flags, &payload, "DATA")
            return .data(id, payload, endStream: flags & ReplicaFrameType.endStream != 0, flowControlledLength: length)
        case ReplicaFrameType.headers:
            try onStream(id, "HEADERS")
            try stripPadding(flags, &payload, "HEADERS")
            var dependsOnItself = false
            if flags & ReplicaFrameType.priorityFlag != 0 {
                guard let dependency = payload.readInteger(as: UInt32.self), payload.readableBytes >= 1 else {
                    throw .connection(.frameSizeError, "HEADERS too short for its priority")
                }
                payload.moveReaderIndex(forwardBy: 1)
                dependsOnItself = Self.dependsOnItself(dependency, id)
            }
            let endStream = flags & ReplicaFrameType.endStream != 0
            if flags & ReplicaFrameType.endHeaders != 0 {
                let headers = try decodeBlock(&payload, stream: id)
                if dependsOnItself { throw Self.selfDependency(id) }
                return .headers(id, headers, endStream: endStream)
            }
            try checkBlockSize(payload.readableBytes)
            pending = PendingBlock(
                streamID: id, endStream: endStream, fragments: payload, dependsOnItself: dependsOnItself)
            return nil
        case ReplicaFrameType.continuation:
            return try continuation(flags: flags, id: id, payload: &payload)
        case ReplicaFrameType.priority:
            try onStream(id, "PRIORITY")
            guard payload.readableBytes == 5, let dependency = payload.readInteger(as: UInt32.self) else {
                throw .stream(id, .frameSizeError, "PRIORITY of \(payload.readableBytes) bytes")
            }
            guard !Self.dependsOnItself(dependency, id) else { throw Self.selfDependency(id, opensStream: false) }
            return reportsIgnoredFrames ? .priority(id) : nil
        case ReplicaFrameType.rstStream:
            try onStream(id, "RST_STREAM")
            guard payload.readableBytes == 4, let code = payload.readInteger(as: UInt32.self) else {
                throw .connection(.frameSizeError, "RST_STREAM of \(payload.readableBytes) bytes")
            }
            return .rstStream(id, HTTP2ErrorCode(networkCode: Int(code)))
        case ReplicaFrameType.settings:
            try onConnection(id, "SETTINGS")
            return try settings(flags: flags, payload: &payload)
        case ReplicaFrameType.pushPromise:
            throw .connection(.protocolError, "PUSH_PROMISE with push disabled")
        case ReplicaFrameType.ping:
            try onConnection(id, "PING")
            guard payload.readableBytes == 8, let data = payload.readInteger(as: UInt64.self) else {
                throw .connection(.frameSizeError, "PING of \(payload.readableBytes) bytes")
            }
            return .ping(data, ack: flags & ReplicaFrameType.ack != 0)
        case ReplicaFrameType.goAway:
            try onConnection(id, "GOAWAY")
            guard payload.readableBytes >= 8, let last = payload.readInteger(as: UInt32.self),
                let code = payload.readInteger(as: UInt32.self)
            else { throw .connection(.frameSizeError, "GOAWAY of \(payload.readableBytes) bytes") }
            return .goAway(
                lastStreamID: HTTP2StreamID(Int32(bitPattern: last & 0x7fff_ffff)),
                HTTP2ErrorCode(networkCode: Int(code)))
        case ReplicaFrameType.windowUpdate:
            guard payload.readableBytes == 4, let raw = payload.readInteger(as: UInt32.self) else {
                throw .connection(.frameSizeError, "WINDOW_UPDATE of \(payload.readableBytes) bytes")
            }
            let increment = Int(raw & 0x7fff_ffff)
            guard increment > 0 else {
                if id == .rootStream { throw .connection(.protocolError, "WINDOW_UPDATE of 0") }
                throw .stream(id, .protocolError, "WINDOW_UPDATE of 0")
            }
            return .windowUpdate(id, increment: increment)
        default:
            // Unknown types are ignored (RFC 9113 § 4.1), but a client's are counted by its connection.
            return reportsIgnoredFrames ? .unknown(id, type: type) : nil
        }
    }

    private mutating func continuation(
        flags: UInt8, id: HTTP2StreamID, payload: inout ByteBuffer
    ) throws(ReplicaCodecError) -> ReplicaFrame? {
        guard var block = pending, block.streamID == id else {
            throw .connection(.protocolError, "CONTINUATION without HEADERS before it")
        }
        block.continuations += 1
        guard block.continuations <= maxContinuationFrames else {
            throw .connection(.enhanceYourCalm, "more than \(maxContinuationFrames) CONTINUATION frames")
        }
        try checkBlockSize(block.fragments.readableBytes + payload.readableBytes)
        block.fragments.writeBuffer(&payload)
        guard flags & ReplicaFrameType.endHeaders != 0 else {
            pending = block
            return nil
        }
        pending = nil
        let headers = try decodeBlock(&block.fragments, stream: id)
        if block.dependsOnItself { throw Self.selfDependency(id) }
        return .headers(id, headers, endStream: block.endStream)
    }

    /// RFC 9113 § 5.3.1: "A stream cannot depend on itself", a stream error PROTOCOL_ERROR (h2spec's 5.3.1 cases
    /// check it; the gateway ignored it until audit9). Priorities are otherwise ignored; only this rule is kept.
    private static func dependsOnItself(_ dependency: UInt32, _ id: HTTP2StreamID) -> Bool {
        Int(dependency & 0x7fff_ffff) == Int(id)
    }

    /// The stream's error for a self-dependency; a HEADERS frame opened the stream all the same (its block was
    /// decoded, so HPACK stays in step).
    private static func selfDependency(_ id: HTTP2StreamID, opensStream: Bool = true) -> ReplicaCodecError {
        ReplicaCodecError(
            code: .protocolError, streamID: id, detail: "stream \(Int(id)) depends on itself",
            opensStream: opensStream)
    }

    private func settings(flags: UInt8, payload: inout ByteBuffer) throws(ReplicaCodecError) -> ReplicaFrame {
        if flags & ReplicaFrameType.ack != 0 {
            guard payload.readableBytes == 0 else { throw .connection(.frameSizeError, "SETTINGS ACK with a payload") }
            return .settingsAck
        }
        guard payload.readableBytes % 6 == 0 else {
            throw .connection(.frameSizeError, "SETTINGS of \(payload.readableBytes) bytes")
        }
        var settings: [ReplicaSetting] = []
        settings.reserveCapacity(payload.readableBytes / 6)
        while let identifier = payload.readInteger(as: UInt16.self), let value = payload.readInteger(as: UInt32.self) {
            switch identifier {
            case ReplicaSetting.enablePush where value > 1:
                throw .connection(.protocolError, "SETTINGS_ENABLE_PUSH \(value)")
            case ReplicaSetting.initialWindowSize where value > UInt32(ReplicaFrameType.maxWindow):
                throw .connection(.flowControlError, "SETTINGS_INITIAL_WINDOW_SIZE \(value)")
            case ReplicaSetting.maxFrameSize
            where value < ReplicaFrameType.minMaxFrameSize || value > ReplicaFrameType.maxMaxFrameSize:
                throw .connection(.protocolError, "SETTINGS_MAX_FRAME_SIZE \(value)")
            default:
                break
            }
            settings.append(ReplicaSetting(identifier: identifier, value: value))
        }
        return .settings(settings)
    }

    private mutating func decodeBlock(
        _ block: inout ByteBuffer, stream id: HTTP2StreamID
    ) throws(ReplicaCodecError)
        -> HTTP2Fields
    {
        // After a failure the decoder's dynamic table may be half updated: the connection cannot go on, unless the
        // block was read whole and only its size is refused.
        if ownHPACK != nil {
            do {
                return try ownHPACK!.decode(block)
            } catch  where error.keepsConnection {
                throw .headerListTooLarge(id, error.description)
            } catch {
                throw .connection(.compressionError, "a header block HPACK cannot decode: \(error)")
            }
        }
        do {
            return HTTP2Fields(try nioHPACK!.decodeHeaders(from: &block))
        } catch {
            throw .connection(.compressionError, "a header block HPACK cannot decode: \(error)")
        }
    }

    private func checkBlockSize(_ bytes: Int) throws(ReplicaCodecError) {
        guard bytes <= maxHeaderBlockBytes else {
            throw .connection(.enhanceYourCalm, "a header block over \(maxHeaderBlockBytes) bytes")
        }
    }

    private func stripPadding(_ flags: UInt8, _ payload: inout ByteBuffer, _ name: String) throws(ReplicaCodecError) {
        guard flags & ReplicaFrameType.padded != 0 else { return }
        guard let padding = payload.readInteger(as: UInt8.self), Int(padding) <= payload.readableBytes else {
            throw .connection(.protocolError, "\(name) with more padding than payload")
        }
        payload.moveWriterIndex(to: payload.writerIndex - Int(padding))
    }

    private func onStream(_ id: HTTP2StreamID, _ name: String) throws(ReplicaCodecError) {
        guard id != .rootStream else { throw .connection(.protocolError, "\(name) on stream 0") }
    }

    private func onConnection(_ id: HTTP2StreamID, _ name: String) throws(ReplicaCodecError) {
        guard id == .rootStream else { throw .connection(.protocolError, "\(name) on stream \(Int(id))") }
    }
}
