import NIOCore
import NIOHPACK
import NIOHTTP2
import Testing

@testable import BerthGatewayHTTP2

/// Found by the outside audit (branch audit9): a PRIORITY frame, or HEADERS with a priority, that makes a stream
/// depend on itself was ignored and the request served. RFC 9113 § 5.3.1 keeps this one rule of the old priority
/// scheme ("A stream cannot depend on itself. An endpoint MUST treat this as a stream error of type
/// PROTOCOL_ERROR"), which h2spec's 5.3.1 cases check and other servers (Apache Traffic Server, Helidon) enforce.
/// Now the stream is reset with PROTOCOL_ERROR and counted as a stream error; a HEADERS frame's block is still
/// decoded, so the connection's HPACK table stays in step and its next streams are served.
@Suite struct PrioritySelfDependencyAudit9Tests {
    /// `:method GET`, `:scheme http`, `:path /`, then `:authority localhost` added to the dynamic table (index 62).
    static let firstBlock: [UInt8] = [0x82, 0x86, 0x84, 0x41, 0x09] + Array("localhost".utf8)
    /// The same request naming `:authority` by the dynamic table's index 62: decodable only if the first block was.
    static let secondBlock: [UInt8] = [0x82, 0x86, 0x84, 0xbe]
    static let endHeaders = ReplicaFrameType.endHeaders
    static let endStream = ReplicaFrameType.endStream
    static let priority = ReplicaFrameType.priorityFlag

    static func decoder() -> ReplicaFrameDecoder {
        ReplicaFrameDecoder(
            maxHeaderListSize: 16 * 1024, headerTableSize: 4096, maxContinuationFrames: 5, reportsIgnoredFrames: true)
    }

    /// A priority field (dependency, weight) naming `dependency`, exclusive or not.
    static func priorityField(_ dependency: UInt32, exclusive: Bool = false) -> [UInt8] {
        let raw = dependency | (exclusive ? 0x8000_0000 : 0)
        return [UInt8(raw >> 24), UInt8(raw >> 16 & 0xff), UInt8(raw >> 8 & 0xff), UInt8(raw & 0xff), 15]
    }

    static var request: HTTP2Fields {
        HTTP2Fields([(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")])
    }

    static func expectSelfDependency(
        _ decoder: inout ReplicaFrameDecoder, _ bytes: inout ByteBuffer, stream: HTTP2StreamID, opensStream: Bool
    ) {
        do {
            let frame = try decoder.next(from: &bytes)
            Issue.record("decoded \(String(describing: frame)): before the fix the self-dependency was ignored")
        } catch {
            #expect(error.streamID == stream)
            #expect(error.code == .protocolError)
            #expect(error.opensStream == opensStream)
            #expect(error.detail == "stream \(Int(stream)) depends on itself")
        }
    }

    @Test func headersThatDependOnTheirOwnStreamResetItAndKeepHPACKInStep() throws {
        var bytes = ReplicaFrameCodecTests.frame(
            0x1, flags: Self.endHeaders | Self.endStream | Self.priority, id: 1,
            Self.priorityField(1) + Self.firstBlock)
        bytes.writeImmutableBuffer(
            ReplicaFrameCodecTests.frame(0x1, flags: Self.endHeaders | Self.endStream, id: 3, Self.secondBlock))
        var decoder = Self.decoder()
        Self.expectSelfDependency(&decoder, &bytes, stream: 1, opensStream: true)
        #expect(try decoder.next(from: &bytes) == .headers(3, Self.request, endStream: true))
    }

    @Test func aSelfDependencyAcrossContinuationIsFoundWhenTheBlockEnds() throws {
        var bytes = ReplicaFrameCodecTests.frame(
            0x1, flags: Self.priority, id: 1, Self.priorityField(1, exclusive: true) + Self.firstBlock.prefix(4))
        bytes.writeImmutableBuffer(
            ReplicaFrameCodecTests.frame(0x9, flags: Self.endHeaders, id: 1, Array(Self.firstBlock.dropFirst(4))))
        bytes.writeImmutableBuffer(
            ReplicaFrameCodecTests.frame(0x1, flags: Self.endHeaders | Self.endStream, id: 3, Self.secondBlock))
        var decoder = Self.decoder()
        Self.expectSelfDependency(&decoder, &bytes, stream: 1, opensStream: true)
        #expect(try decoder.next(from: &bytes) == .headers(3, Self.request, endStream: true))
    }

    @Test func priorityFramesThatDependOnTheirOwnStreamAreRefused() throws {
        var decoder = Self.decoder()
        var bytes = ReplicaFrameCodecTests.frame(0x2, id: 3, Self.priorityField(3))
        Self.expectSelfDependency(&decoder, &bytes, stream: 3, opensStream: false)
        bytes = ReplicaFrameCodecTests.frame(0x2, id: 3, Self.priorityField(3, exclusive: true))
        Self.expectSelfDependency(&decoder, &bytes, stream: 3, opensStream: false)
        // Another stream, or the root, is fine (and ignored, but counted as a control frame).
        bytes = ReplicaFrameCodecTests.frame(0x2, id: 3, Self.priorityField(1))
        bytes.writeImmutableBuffer(ReplicaFrameCodecTests.frame(0x2, id: 3, Self.priorityField(0)))
        #expect(try ReplicaFrameCodecTests.decodeAll(bytes, &decoder) == [.priority(3), .priority(3)])
    }

    @Test func theConnectionResetsTheStreamOrEndsForAnIdleOne() {
        var state = ClientConnectionStateTests.open()
        // HEADERS on stream 1 depending on itself: the new stream is reset, the connection goes on.
        let headers = ReplicaCodecError(
            code: .protocolError, streamID: 1, detail: "stream 1 depends on itself", opensStream: true)
        #expect(state.decodingFailed(headers) == .resetStream(1, .protocolError, endsCall: false))
        #expect(state.highestStreamID == 1)
        #expect(state.phase == .open)
        // PRIORITY on an open stream: that stream is reset, its call ended.
        _ = state.received(
            .headers(3, ClientConnectionStateTests.request(), endStream: true), at: ClientConnectionStateTests.t0)
        #expect(
            state.decodingFailed(.stream(3, .protocolError, "stream 3 depends on itself"))
                == .resetStream(3, .protocolError, endsCall: true))
        // PRIORITY on an idle stream: RST_STREAM there would be the gateway's own error, so the connection's.
        let idle = state.decodingFailed(.stream(9, .protocolError, "stream 9 depends on itself"))
        #expect(ClientConnectionStateTests.isGoAway(idle, .protocolError), "\(idle)")
    }
}
