import NIOCore
import NIOHPACK
import NIOHTTP2
import Testing

@testable import BerthGatewayHTTP2

/// The replica leg's own frame codec, in memory: what the encoder writes the decoder reads back, input split
/// anywhere waits for the rest, and every hostile frame a replica could send is a typed error with the HTTP/2 code
/// its GOAWAY (or RST_STREAM) carries, found from the frame header before an oversized payload is buffered.
@Suite struct ReplicaFrameCodecTests {
    static func decoder(maxHeaderListSize: Int = 16 * 1024, continuations: Int = 5) -> ReplicaFrameDecoder {
        ReplicaFrameDecoder(
            maxHeaderListSize: maxHeaderListSize, headerTableSize: 4096, maxContinuationFrames: continuations)
    }

    /// A raw frame, for what the encoder never writes.
    static func frame(_ type: UInt8, flags: UInt8 = 0, id: Int32 = 0, _ payload: [UInt8] = []) -> ByteBuffer {
        var out = ByteBuffer()
        ReplicaFrameEncoder.writeFrameHeader(
            length: payload.count, type: type, flags: flags, id: HTTP2StreamID(id), into: &out)
        out.writeBytes(payload)
        return out
    }

    static func decodeAll(_ bytes: ByteBuffer, _ decoder: inout ReplicaFrameDecoder) throws -> [ReplicaFrame] {
        var bytes = bytes
        var frames: [ReplicaFrame] = []
        while let frame = try decoder.next(from: &bytes) { frames.append(frame) }
        #expect(bytes.readableBytes == 0)
        return frames
    }

    static func error(_ bytes: ByteBuffer, _ decoder: ReplicaFrameDecoder = decoder()) -> ReplicaCodecError? {
        var decoder = decoder
        var bytes = bytes
        do {
            while try decoder.next(from: &bytes) != nil {}
            return nil
        } catch {
            return error
        }
    }

    let request: HTTP2Fields = [
        ":method": "POST", ":scheme": "http", ":path": "/helloworld.Greeter/SayHello", ":authority": "127.0.0.1",
        "content-type": "application/grpc", "te": "trailers", "x-request-id": "0123456789abcdef",
    ]

    @Test(arguments: [false, true]) func headersAndDataRoundTrip(huffman: Bool) throws {
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: huffman)
        var decoder = Self.decoder()
        var out = ByteBuffer()
        for round in 0..<3 {
            // The second and third blocks come from the dynamic table, on both sides.
            let id = HTTP2StreamID(Int32(1 + 2 * round))
            try encoder.writeHeaders(id, request, endStream: false, into: &out)
            encoder.writeData(id, ByteBuffer(string: "hello \(round)"), endStream: true, into: &out)
        }
        let frames = try Self.decodeAll(out, &decoder)
        #expect(frames.count == 6)
        for round in 0..<3 {
            let id = HTTP2StreamID(Int32(1 + 2 * round))
            #expect(frames[2 * round] == .headers(id, request, endStream: false))
            let body = "hello \(round)"
            #expect(
                frames[2 * round + 1]
                    == .data(
                        id, ByteBuffer(string: body), endStream: true,
                        flowControlledLength: body.utf8.count))
        }
    }

    @Test func withoutHuffmanTheValuesAreLiteral() throws {
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        var out = ByteBuffer()
        try encoder.writeHeaders(1, ["x-request-id": "0123456789abcdef"], endStream: true, into: &out)
        #expect(String(buffer: out).contains("0123456789abcdef"))
    }

    @Test func aLargeBlockIsSplitIntoContinuationFramesAndJoinedAgain() throws {
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        var decoder = Self.decoder(maxHeaderListSize: 64 * 1024)
        let headers: HTTP2Fields = [":status": "200", "x-big": String(repeating: "a", count: 40_000)]
        var out = ByteBuffer()
        try encoder.writeHeaders(3, headers, endStream: true, into: &out)
        // Three frames: HEADERS and two CONTINUATIONs of at most 16,384 bytes each.
        #expect(out.readableBytes > 40_000 + 3 * 9)
        #expect(out.getInteger(at: 3, as: UInt8.self) == ReplicaFrameType.headers)
        #expect(out.getInteger(at: 9 + 16_384 + 3, as: UInt8.self) == ReplicaFrameType.continuation)
        let frames = try Self.decodeAll(out, &decoder)
        #expect(frames == [.headers(3, headers, endStream: true)])
    }

    @Test func dataIsSplitAtTheReplicasFrameSize() throws {
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        encoder.apply([ReplicaSetting(identifier: ReplicaSetting.maxFrameSize, value: 20_000)])
        var decoder = ReplicaFrameDecoder(
            maxHeaderListSize: 16_384, headerTableSize: 4096, maxContinuationFrames: 5, maxFrameSize: 20_000)
        var out = ByteBuffer()
        encoder.writeData(5, ByteBuffer(repeating: 7, count: 50_000), endStream: true, into: &out)
        let frames = try Self.decodeAll(out, &decoder)
        #expect(frames.count == 3)
        #expect(
            frames.last
                == .data(
                    5, ByteBuffer(repeating: 7, count: 10_000), endStream: true,
                    flowControlledLength: 10_000))
        #expect(
            frames.first
                == .data(
                    5, ByteBuffer(repeating: 7, count: 20_000), endStream: false,
                    flowControlledLength: 20_000))
    }

    @Test func controlFramesRoundTrip() throws {
        var out = ByteBuffer()
        let settings = [
            ReplicaSetting(identifier: ReplicaSetting.maxConcurrentStreams, value: 100),
            ReplicaSetting(identifier: ReplicaSetting.initialWindowSize, value: 1 << 20),
        ]
        ReplicaFrameEncoder.writeSettings(settings, into: &out)
        ReplicaFrameEncoder.writeSettingsAck(into: &out)
        ReplicaFrameEncoder.writePingAck(42, into: &out)
        ReplicaFrameEncoder.writeRstStream(7, .refusedStream, into: &out)
        ReplicaFrameEncoder.writeGoAway(lastStreamID: 9, .noError, into: &out)
        ReplicaFrameEncoder.writeWindowUpdate(.rootStream, increment: 1_000, into: &out)
        ReplicaFrameEncoder.writeWindowUpdate(11, increment: 5, into: &out)
        var decoder = Self.decoder()
        let frames = try Self.decodeAll(out, &decoder)
        #expect(
            frames == [
                .settings(settings), .settingsAck, .ping(42, ack: true), .rstStream(7, .refusedStream),
                .goAway(lastStreamID: 9, .noError), .windowUpdate(.rootStream, increment: 1_000),
                .windowUpdate(11, increment: 5),
            ])
    }

    @Test func thePrefaceIsTheMagicThenSettings() {
        var out = ByteBuffer()
        ReplicaFrameEncoder.writePreface(
            settings: [ReplicaSetting(identifier: ReplicaSetting.enablePush, value: 0)], into: &out)
        #expect(String(buffer: out.getSlice(at: 0, length: 24)!) == "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        #expect(out.readableBytes == 24 + 9 + 6)
    }

    @Test func inputSplitAnywhereWaitsForTheRest() throws {
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: true)
        var whole = ByteBuffer()
        try encoder.writeHeaders(1, request, endStream: false, into: &whole)
        encoder.writeData(1, ByteBuffer(string: "body"), endStream: true, into: &whole)
        var decoder = Self.decoder()
        var pending = ByteBuffer()
        var frames: [ReplicaFrame] = []
        for byte in whole.readableBytesView {
            pending.writeInteger(byte)
            let before = pending.readableBytes
            if let frame = try decoder.next(from: &pending) {
                frames.append(frame)
            } else {
                #expect(pending.readableBytes == before)
            }
        }
        #expect(frames.count == 2)
        #expect(pending.readableBytes == 0)
    }

    @Test func priorityPaddingAndUnknownTypesAreSkipped() throws {
        var bytes = Self.frame(ReplicaFrameType.priority, id: 1, [0, 0, 0, 0, 16])
        bytes.writeImmutableBuffer(Self.frame(0xfa, id: 1, [1, 2, 3]))
        // DATA with 2 bytes of padding: the payload is "ok", the window is charged 5 bytes.
        bytes.writeImmutableBuffer(
            Self.frame(ReplicaFrameType.data, flags: ReplicaFrameType.padded, id: 1, [2, 0x6f, 0x6b, 0, 0]))
        var decoder = Self.decoder()
        let frames = try Self.decodeAll(bytes, &decoder)
        #expect(
            frames == [
                .data(1, ByteBuffer(string: "ok"), endStream: false, flowControlledLength: 5)
            ])
    }

    // MARK: Hostile input

    @Test func anOversizedFrameIsRefusedFromItsHeader() {
        var header = ByteBuffer()
        ReplicaFrameEncoder.writeFrameHeader(
            length: 16_385, type: ReplicaFrameType.data, flags: 0, id: 1, into: &header)
        // Only the 9 header bytes arrived: the error comes before the payload is waited for.
        #expect(Self.error(header)?.code == .frameSizeError)
        #expect(Self.error(header)?.streamID == nil)
    }

    @Test func continuationWithoutHeadersIsAProtocolError() {
        let bytes = Self.frame(ReplicaFrameType.continuation, flags: ReplicaFrameType.endHeaders, id: 1, [0x88])
        #expect(Self.error(bytes) == .connection(.protocolError, "CONTINUATION without HEADERS before it"))
    }

    @Test func continuationOnAnotherStreamOrAnotherFrameInsideABlockIsAProtocolError() {
        var bytes = Self.frame(ReplicaFrameType.headers, id: 1, [0x88])
        bytes.writeImmutableBuffer(
            Self.frame(ReplicaFrameType.continuation, flags: ReplicaFrameType.endHeaders, id: 3, [0x88]))
        #expect(Self.error(bytes)?.code == .protocolError)
        var interleaved = Self.frame(ReplicaFrameType.headers, id: 1, [0x88])
        interleaved.writeImmutableBuffer(Self.frame(ReplicaFrameType.ping, id: 0, [0, 0, 0, 0, 0, 0, 0, 0]))
        #expect(Self.error(interleaved)?.code == .protocolError)
    }

    @Test func aContinuationFloodIsRefused() {
        var bytes = Self.frame(ReplicaFrameType.headers, id: 1, [0x88])
        for _ in 0..<6 { bytes.writeImmutableBuffer(Self.frame(ReplicaFrameType.continuation, id: 1, [])) }
        #expect(Self.error(bytes)?.code == .enhanceYourCalm)
    }

    @Test func aHeaderBlockOverItsBoundIsRefusedBeforeDecoding() {
        // 1,024-byte list size: blocks over 3,072 encoded bytes are refused, whatever they decode to.
        let decoder = Self.decoder(maxHeaderListSize: 1024, continuations: 10)
        var bytes = Self.frame(ReplicaFrameType.headers, id: 1, Array(repeating: 0, count: 2_000))
        bytes.writeImmutableBuffer(Self.frame(ReplicaFrameType.continuation, id: 1, Array(repeating: 0, count: 2_000)))
        #expect(Self.error(bytes, decoder)?.code == .enhanceYourCalm)
    }

    /// A list over the limit is the stream's error (the block was read whole, the table is in step): RST_STREAM
    /// ENHANCE_YOUR_CALM; it was the connection's COMPRESSION_ERROR (audit8). Garbage is still the connection's.
    @Test func aDecodedListOverTheLimitIsItsStreamsErrorAndGarbageIsACompressionError() throws {
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        var big = ByteBuffer()
        try encoder.writeHeaders(1, ["x-big": String(repeating: "b", count: 2_000)], endStream: true, into: &big)
        let error = Self.error(big, Self.decoder(maxHeaderListSize: 1024))
        #expect(error?.code == .enhanceYourCalm)
        #expect(error?.streamID == 1)
        #expect(error?.opensStream == true)
        // Index 0 is invalid in HPACK.
        let garbage = Self.frame(ReplicaFrameType.headers, flags: ReplicaFrameType.endHeaders, id: 1, [0x80])
        #expect(Self.error(garbage)?.code == .compressionError)
    }

    @Test func settingsWithBadValuesOrLengthsAreRefused() {
        func settings(_ identifier: UInt16, _ value: UInt32) -> ByteBuffer {
            var out = ByteBuffer()
            ReplicaFrameEncoder.writeSettings([ReplicaSetting(identifier: identifier, value: value)], into: &out)
            return out
        }
        #expect(Self.error(settings(ReplicaSetting.enablePush, 2))?.code == .protocolError)
        #expect(Self.error(settings(ReplicaSetting.initialWindowSize, 1 << 31))?.code == .flowControlError)
        #expect(Self.error(settings(ReplicaSetting.maxFrameSize, 100))?.code == .protocolError)
        #expect(Self.error(settings(ReplicaSetting.maxFrameSize, 1 << 24))?.code == .protocolError)
        #expect(Self.error(settings(ReplicaSetting.maxFrameSize, 1 << 14)) == nil)
        #expect(Self.error(Self.frame(ReplicaFrameType.settings, [0, 1, 0, 0, 0, 0, 0]))?.code == .frameSizeError)
        #expect(
            Self.error(Self.frame(ReplicaFrameType.settings, flags: ReplicaFrameType.ack, [0, 0, 0, 0, 0, 0]))?.code
                == .frameSizeError)
        #expect(Self.error(Self.frame(ReplicaFrameType.settings, id: 1, []))?.code == .protocolError)
    }

    @Test func framesOnTheWrongStreamOrOfTheWrongLengthAreRefused() {
        #expect(Self.error(Self.frame(ReplicaFrameType.data, id: 0, [1]))?.code == .protocolError)
        #expect(Self.error(Self.frame(ReplicaFrameType.headers, id: 0, [0x88]))?.code == .protocolError)
        #expect(
            Self.error(Self.frame(ReplicaFrameType.ping, id: 1, Array(repeating: 0, count: 8)))?.code == .protocolError)
        #expect(Self.error(Self.frame(ReplicaFrameType.ping, [0, 0]))?.code == .frameSizeError)
        #expect(Self.error(Self.frame(ReplicaFrameType.rstStream, id: 1, [0, 0]))?.code == .frameSizeError)
        #expect(Self.error(Self.frame(ReplicaFrameType.goAway, [0, 0, 0, 1]))?.code == .frameSizeError)
        #expect(Self.error(Self.frame(ReplicaFrameType.windowUpdate, id: 1, [0, 0, 1]))?.code == .frameSizeError)
        #expect(
            Self.error(Self.frame(ReplicaFrameType.pushPromise, id: 1, [0, 0, 0, 2, 0x88]))?.code == .protocolError)
        #expect(
            Self.error(Self.frame(ReplicaFrameType.data, flags: ReplicaFrameType.padded, id: 1, [5, 1, 2]))?.code
                == .protocolError)
    }

    @Test func aZeroWindowUpdateIsTheStreamsErrorOrTheConnections() {
        #expect(
            Self.error(Self.frame(ReplicaFrameType.windowUpdate, id: 3, [0, 0, 0, 0]))
                == .stream(3, .protocolError, "WINDOW_UPDATE of 0"))
        #expect(
            Self.error(Self.frame(ReplicaFrameType.windowUpdate, id: 0, [0, 0, 0, 0]))?.streamID == nil)
    }
}
