import NIOCore
import NIOHPACK
import NIOHTTP2

/// Writes the gateway's frames towards a replica: the connection preface with the gateway's SETTINGS, header blocks
/// (split into CONTINUATION frames at the replica's SETTINGS_MAX_FRAME_SIZE), and the small control frames. Without
/// Huffman coding (what the gateway uses) header blocks are encoded by `ReplicaHPACKEncoder` (static table only, no
/// table search: h2client's profile); with it, by NIOHPACK's encoder (the bytes Huffman saves cost more
/// instructions than they save on loopback: h2perf4's profile, 12k of HPACK encode's 32k per request).
struct ReplicaFrameEncoder {
    /// The replica's SETTINGS_MAX_FRAME_SIZE: no frame written is longer.
    private(set) var maxFrameSize = ReplicaFrameType.minMaxFrameSize
    /// NIOHPACK's encoder, with Huffman coding; nil: `literal`.
    private var hpack: HPACKEncoder?
    private var literal = ReplicaHPACKEncoder()
    /// The header block being written, reused from block to block.
    private var scratch: ByteBuffer

    init(useHuffmanEncoding: Bool, allocator: ByteBufferAllocator = .init()) {
        hpack = useHuffmanEncoding ? HPACKEncoder(allocator: allocator, useHuffmanEncoding: true) : nil
        scratch = allocator.buffer(capacity: 256)
    }

    static let preface = ByteBuffer(string: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")

    /// The client's connection preface: the magic, then the gateway's SETTINGS.
    static func writePreface(settings: [ReplicaSetting], into out: inout ByteBuffer) {
        out.writeImmutableBuffer(preface)
        writeSettings(settings, into: &out)
    }

    /// Applies the replica's SETTINGS that change how frames are written (its table size, its frame size).
    mutating func apply(_ settings: [ReplicaSetting]) {
        for setting in settings {
            switch setting.identifier {
            case ReplicaSetting.maxFrameSize:
                maxFrameSize = Int(setting.value)
            case ReplicaSetting.headerTableSize:
                // Never above NIOHPACK's default (what the encoder's table was made for); smaller when asked.
                try? hpack?.setDynamicTableSize(min(Int(setting.value), HPACKEncoder.defaultDynamicTableSize))
                literal.tableSizeChanged()
            default:
                break
            }
        }
    }

    mutating func writeHeaders(
        _ id: HTTP2StreamID, _ headers: HTTP2Fields, endStream: Bool, into out: inout ByteBuffer
    ) throws(ReplicaCodecError) {
        scratch.clear()
        if hpack == nil {
            // Encoded in place after room for the frame header, which is written once the length is known: no copy
            // of the block (a block longer than a frame is moved out and split below, as before).
            let start = out.writerIndex
            out.writeRepeatingByte(0, count: ReplicaFrameType.headerLength)
            literal.encode(headers, into: &out)
            let length = out.writerIndex - start - ReplicaFrameType.headerLength
            if length <= maxFrameSize {
                let flags = ReplicaFrameType.endHeaders | (endStream ? ReplicaFrameType.endStream : 0)
                Self.setFrameHeader(
                    length: length, type: ReplicaFrameType.headers, flags: flags, id: id, at: start, in: &out)
                return
            }
            scratch.writeBytes(out.readableBytesView.suffix(length))
            out.moveWriterIndex(to: start)
        } else {
            do {
                try hpack!.encode(headers: headers.hpackHeaders, to: &scratch)
            } catch {
                throw .stream(id, .internalError, "cannot encode the header block: \(error)")
            }
        }
        var flags = endStream ? ReplicaFrameType.endStream : 0
        var type = ReplicaFrameType.headers
        repeat {
            let length = min(scratch.readableBytes, maxFrameSize)
            if length == scratch.readableBytes { flags |= ReplicaFrameType.endHeaders }
            Self.writeFrameHeader(length: length, type: type, flags: flags, id: id, into: &out)
            var fragment = scratch.readSlice(length: length)!
            out.writeBuffer(&fragment)
            type = ReplicaFrameType.continuation
            flags = 0
        } while scratch.readableBytes > 0
    }

    /// DATA frames for `payload`, each at most the replica's frame size; the caller has checked the windows.
    func writeData(_ id: HTTP2StreamID, _ payload: ByteBuffer, endStream: Bool, into out: inout ByteBuffer) {
        var payload = payload
        repeat {
            let length = min(payload.readableBytes, maxFrameSize)
            let last = length == payload.readableBytes
            let flags = last && endStream ? ReplicaFrameType.endStream : 0
            Self.writeFrameHeader(length: length, type: ReplicaFrameType.data, flags: flags, id: id, into: &out)
            var chunk = payload.readSlice(length: length)!
            out.writeBuffer(&chunk)
        } while payload.readableBytes > 0
    }

    static func writeSettings(_ settings: [ReplicaSetting], into out: inout ByteBuffer) {
        writeFrameHeader(
            length: 6 * settings.count, type: ReplicaFrameType.settings, flags: 0, id: .rootStream, into: &out)
        for setting in settings {
            out.writeInteger(setting.identifier)
            out.writeInteger(setting.value)
        }
    }

    static func writeSettingsAck(into out: inout ByteBuffer) {
        writeFrameHeader(
            length: 0, type: ReplicaFrameType.settings, flags: ReplicaFrameType.ack, id: .rootStream, into: &out)
    }

    static func writePingAck(_ data: UInt64, into out: inout ByteBuffer) {
        writeFrameHeader(
            length: 8, type: ReplicaFrameType.ping, flags: ReplicaFrameType.ack, id: .rootStream, into: &out)
        out.writeInteger(data)
    }

    static func writeRstStream(_ id: HTTP2StreamID, _ code: HTTP2ErrorCode, into out: inout ByteBuffer) {
        writeFrameHeader(length: 4, type: ReplicaFrameType.rstStream, flags: 0, id: id, into: &out)
        out.writeInteger(UInt32(code.networkCode))
    }

    static func writeGoAway(lastStreamID: HTTP2StreamID, _ code: HTTP2ErrorCode, into out: inout ByteBuffer) {
        writeFrameHeader(length: 8, type: ReplicaFrameType.goAway, flags: 0, id: .rootStream, into: &out)
        out.writeInteger(UInt32(Int32(lastStreamID)))
        out.writeInteger(UInt32(code.networkCode))
    }

    static func writeWindowUpdate(_ id: HTTP2StreamID, increment: Int, into out: inout ByteBuffer) {
        precondition(increment > 0 && increment <= ReplicaFrameType.maxWindow, "a window increment out of range")
        writeFrameHeader(length: 4, type: ReplicaFrameType.windowUpdate, flags: 0, id: id, into: &out)
        out.writeInteger(UInt32(increment))
    }

    /// A frame header written over the room left for it at `at`.
    /// Writes a frame header over the 9 bytes at `index` (already written). The nine bytes are stored through one
    /// pointer: five `setInteger` calls cost ~140 instructions each in `ByteBuffer`'s bookkeeping (bench/h2-profile.sh).
    static func setFrameHeader(
        length: Int, type: UInt8, flags: UInt8, id: HTTP2StreamID, at index: Int, in out: inout ByteBuffer
    ) {
        out.withVeryUnsafeMutableBytes { raw in store(length: length, type: type, flags: flags, id: id, raw, index) }
    }

    static func writeFrameHeader(length: Int, type: UInt8, flags: UInt8, id: HTTP2StreamID, into out: inout ByteBuffer)
    {
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: ReplicaFrameType.headerLength) { raw in
            store(length: length, type: type, flags: flags, id: id, raw, 0)
            return ReplicaFrameType.headerLength
        }
    }

    /// RFC 9113 § 4.1: a 24-bit length, the type, the flags and a 31-bit stream id, in network byte order.
    @inline(__always)
    private static func store(
        length: Int, type: UInt8, flags: UInt8, id: HTTP2StreamID, _ raw: UnsafeMutableRawBufferPointer, _ at: Int
    ) {
        let stream = UInt32(truncatingIfNeeded: Int(id)) & 0x7fff_ffff
        raw[at] = UInt8(truncatingIfNeeded: length >> 16)
        raw[at + 1] = UInt8(truncatingIfNeeded: length >> 8)
        raw[at + 2] = UInt8(truncatingIfNeeded: length)
        raw[at + 3] = type
        raw[at + 4] = flags
        raw[at + 5] = UInt8(truncatingIfNeeded: stream >> 24)
        raw[at + 6] = UInt8(truncatingIfNeeded: stream >> 16)
        raw[at + 7] = UInt8(truncatingIfNeeded: stream >> 8)
        raw[at + 8] = UInt8(truncatingIfNeeded: stream)
    }
}
