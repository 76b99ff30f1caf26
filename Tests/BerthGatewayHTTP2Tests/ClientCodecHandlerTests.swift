import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Testing

@testable import BerthGatewayHTTP2

/// The thin handler around `ClientConnectionState` on an `EmbeddedChannel`: the server's preface, frames to the
/// calls' handler, DATA held until the client's window allows it, GOAWAY on quiesce and on idle, a bad preface.
@Suite struct ClientCodecHandlerTests {
    static func channel(_ settings: HTTP2GatewaySettings = HTTP2GatewaySettings()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        _ = try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.pipeline.syncOperations.addHandler(ClientCodecHandler(settings: settings))
        return channel
    }

    /// Every frame the handler wrote so far.
    static func written(_ channel: EmbeddedChannel) throws -> [ReplicaFrame] {
        var decoder = ReplicaFrameDecoder(maxHeaderListSize: 65_536, headerTableSize: 4096, maxContinuationFrames: 5)
        var frames: [ReplicaFrame] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            while let frame = try decoder.next(from: &buffer) { frames.append(frame) }
        }
        return frames
    }

    static func client(_ frames: (inout ByteBuffer) throws -> Void) rethrows -> ByteBuffer {
        var buffer = ByteBuffer()
        try frames(&buffer)
        return buffer
    }

    static var request: HTTP2Fields {
        HTTP2Fields([(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "a")])
    }

    @Test func theServerPrefaceIsItsSettingsAndTheConnectionsWindow() throws {
        let channel = try Self.channel()
        let frames = try Self.written(channel)
        guard case .settings(let settings) = frames.first else {
            Issue.record("no SETTINGS first: \(frames)")
            return
        }
        #expect(settings.contains(ReplicaSetting(identifier: ReplicaSetting.maxConcurrentStreams, value: 100)))
        #expect(settings.contains(ReplicaSetting(identifier: ReplicaSetting.enablePush, value: 0)))
        #expect(frames.dropFirst().first == .windowUpdate(.rootStream, increment: (1 << 20) - 65_535))
        _ = try? channel.finish()
    }

    @Test func aRequestReachesTheCallsHandlerAndItsSettingsAreAcknowledged() throws {
        let channel = try Self.channel()
        _ = try Self.written(channel)
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        let bytes = try Self.client { out in
            out.writeBytes(HTTP2Preface.bytes)
            ReplicaFrameEncoder.writeSettings([], into: &out)
            try encoder.writeHeaders(1, Self.request, endStream: true, into: &out)
        }
        try channel.writeInbound(bytes)
        let frame = try channel.readInbound(as: HTTP2Frame.self)
        #expect(frame?.streamID == 1)
        guard case .headers(let headers) = frame?.payload else {
            Issue.record("no request: \(String(describing: frame))")
            return
        }
        #expect(HTTP2Fields(headers.headers) == Self.request)
        #expect(headers.endStream)
        #expect(try Self.written(channel) == [.settingsAck])
        _ = try? channel.finish()
    }

    /// A request whose header list is over SETTINGS_MAX_HEADER_LIST_SIZE is reset alone with ENHANCE_YOUR_CALM
    /// (gRPC clients read RESOURCE_EXHAUSTED), and the frames after it in the same read are served: before, the
    /// whole connection got GOAWAY COMPRESSION_ERROR and every other call on it failed UNAVAILABLE (audit8).
    @Test func anOversizeHeaderListResetsOnlyItsStream() throws {
        var settings = HTTP2GatewaySettings()
        settings.maxHeaderListSize = 1024
        let channel = try Self.channel(settings)
        _ = try Self.written(channel)
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        var big = Self.request
        big.add(name: "x-big", value: String(repeating: "a", count: 2000))
        try channel.writeInbound(
            try Self.client { out in
                out.writeBytes(HTTP2Preface.bytes)
                ReplicaFrameEncoder.writeSettings([], into: &out)
                try encoder.writeHeaders(1, big, endStream: true, into: &out)
                try encoder.writeHeaders(3, Self.request, endStream: true, into: &out)
            })
        let frame = try channel.readInbound(as: HTTP2Frame.self)
        #expect(frame?.streamID == 3)
        #expect(try channel.readInbound(as: HTTP2Frame.self) == nil)
        let written = try Self.written(channel)
        #expect(written.contains(.rstStream(1, .enhanceYourCalm)), "\(written)")
        #expect(!written.contains { if case .goAway = $0 { true } else { false } }, "\(written)")
        _ = try? channel.finish()
    }

    /// A HEADERS without END_HEADERS and no CONTINUATION closes the connection at `headerTimeout` (10 s), as an
    /// unfinished HTTP/1.1 head does; it was held until `idleTimeout` (60 s, audit8). A block that ends in time and a
    /// later one are not cut.
    @Test func anUnfinishedHeaderBlockIsCutAtTheHeaderTimeout() throws {
        let channel = try Self.channel()
        _ = try Self.written(channel)
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        var block = ByteBuffer()
        try encoder.writeHeaders(1, Self.request, endStream: true, into: &block)
        // The same HEADERS without END_HEADERS (flags byte 4: END_STREAM 0x1 | END_HEADERS 0x4).
        block.setInteger(UInt8(0x1), at: block.readerIndex + 4)
        try channel.writeInbound(
            try Self.client { out in
                out.writeBytes(HTTP2Preface.bytes)
                ReplicaFrameEncoder.writeSettings([], into: &out)
                out.writeImmutableBuffer(block)
            })
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(!(try Self.written(channel)).contains { if case .goAway = $0 { true } else { false } })
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        let written = try Self.written(channel)
        #expect(written.contains(.goAway(lastStreamID: .rootStream, .enhanceYourCalm)), "\(written)")
        _ = try? channel.finish()

        let finished = try Self.channel()
        _ = try Self.written(finished)
        var whole = ByteBuffer()
        var encoder2 = ReplicaFrameEncoder(useHuffmanEncoding: false)
        try encoder2.writeHeaders(1, Self.request, endStream: true, into: &whole)
        try finished.writeInbound(
            try Self.client { out in
                out.writeBytes(HTTP2Preface.bytes)
                ReplicaFrameEncoder.writeSettings([], into: &out)
                out.writeImmutableBuffer(whole)
            })
        finished.embeddedEventLoop.advanceTime(by: .seconds(11))
        #expect(!(try Self.written(finished)).contains { if case .goAway = $0 { true } else { false } })
        _ = try? finished.finish()
    }

    @Test func dataWaitsForTheClientsWindow() throws {
        let channel = try Self.channel()
        _ = try Self.written(channel)
        var encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        let window = ReplicaSetting(identifier: ReplicaSetting.initialWindowSize, value: 10)
        try channel.writeInbound(
            try Self.client { out in
                out.writeBytes(HTTP2Preface.bytes)
                ReplicaFrameEncoder.writeSettings([window], into: &out)
                try encoder.writeHeaders(1, Self.request, endStream: true, into: &out)
            })
        _ = try channel.readInbound(as: HTTP2Frame.self)
        _ = try Self.written(channel)
        let head = HTTP2Frame(streamID: 1, payload: .headers(.init(headers: HPACKHeaders([(":status", "200")]))))
        let body = HTTP2Frame(
            streamID: 1,
            payload: .data(.init(data: .byteBuffer(ByteBuffer(repeating: 0x61, count: 25)), endStream: true)))
        channel.write(head, promise: nil)
        channel.writeAndFlush(body, promise: nil)
        var frames = try Self.written(channel)
        #expect(frames.count == 2)
        #expect(
            frames.last == .data(1, ByteBuffer(repeating: 0x61, count: 10), endStream: false, flowControlledLength: 10))
        try channel.writeInbound(
            Self.client { out in ReplicaFrameEncoder.writeWindowUpdate(1, increment: 100, into: &out) })
        frames = try Self.written(channel)
        #expect(frames == [.data(1, ByteBuffer(repeating: 0x61, count: 15), endStream: true, flowControlledLength: 15)])
        _ = try? channel.finish()
    }

    @Test func quiescingWithNoStreamOpenSendsGoAwayAndCloses() throws {
        let channel = try Self.channel()
        _ = try Self.written(channel)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == [.goAway(lastStreamID: .rootStream, .noError)])
        #expect(!channel.isActive)
    }

    @Test func anIdleConnectionIsClosedWithGoAway() throws {
        var settings = HTTP2GatewaySettings()
        settings.idleTimeout = .seconds(5)
        let channel = try Self.channel(settings)
        _ = try Self.written(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try Self.written(channel) == [.goAway(lastStreamID: .rootStream, .noError)])
        #expect(!channel.isActive)
    }

    @Test func aWrongPrefaceIsAnError() throws {
        let channel = try Self.channel()
        _ = try Self.written(channel)
        #expect(throws: NIOHTTP2Errors.BadClientMagic.self) {
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        }
        _ = try? channel.finish()
    }
}
