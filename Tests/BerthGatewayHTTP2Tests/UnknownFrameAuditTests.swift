import NIOCore
import NIOHPACK
import NIOHTTP2
import Testing

@testable import BerthGatewayHTTP2

/// Found by the outside audit (branch audit7, a leftover of audit6): frames of unknown types were skipped by the
/// decoder before the client's connection saw them, so a client could send them without a bound (a million 0-byte
/// frames on one connection were all read, and the connection stayed open). RFC 9113 says to ignore them, not that
/// they are free: a client's now count with PING, SETTINGS and PRIORITY against the control-frame limit, and a flood
/// ends with GOAWAY ENHANCE_YOUR_CALM.
@Suite struct UnknownFrameAuditTests {
    static let t0 = ClientConnectionStateTests.t0

    @Test func aClientsDecoderReportsUnknownTypesAndAReplicasSkipsThem() throws {
        var bytes = ReplicaFrameCodecTests.frame(0xfa, id: 1, [1, 2, 3])
        bytes.writeImmutableBuffer(ReplicaFrameCodecTests.frame(0x10, id: 0))
        var client = ReplicaFrameDecoder(
            maxHeaderListSize: 16 * 1024, headerTableSize: 4096, maxContinuationFrames: 5, reportsIgnoredFrames: true)
        #expect(
            try ReplicaFrameCodecTests.decodeAll(bytes, &client) == [.unknown(1, type: 0xfa), .unknown(0, type: 0x10)])
        var replica = ReplicaFrameCodecTests.decoder()
        #expect(try ReplicaFrameCodecTests.decodeAll(bytes, &replica) == [])
    }

    @Test func aFloodOfUnknownFramesClosesTheConnection() {
        var state = ClientConnectionStateTests.open()
        // The preface's SETTINGS counted: 199 more control frames are allowed in 30 s, then GOAWAY. Before the fix
        // the frames never reached the state (the decoder dropped them), so no count could end the connection.
        for index in 0..<199 {
            #expect(state.received(.unknown(HTTP2StreamID(index % 3), type: 0x42), at: Self.t0) == .none)
        }
        let answer = state.received(.unknown(0, type: 0x42), at: Self.t0)
        #expect(ClientConnectionStateTests.isGoAway(answer, .enhanceYourCalm), "\(answer)")
        #expect(state.phase == .failed)
    }

    @Test func unknownFramesSpreadOverTheWindowAreIgnored() {
        var state = ClientConnectionStateTests.open()
        for index in 0..<600 {
            let now = Self.t0 + .milliseconds(Int64(index) * 200)
            #expect(state.received(.unknown(0, type: 0x42), at: now) == .none)
        }
        #expect(state.phase == .open)
    }

    /// The whole path the handler runs: raw bytes through the reporting decoder into the state.
    @Test func aMillionZeroByteUnknownFramesAreCutEarly() throws {
        var state = ClientConnectionStateTests.open()
        var decoder = ReplicaFrameDecoder(
            maxHeaderListSize: 16 * 1024, headerTableSize: 4096, maxContinuationFrames: 5, reportsIgnoredFrames: true)
        var bytes = ByteBuffer()
        for _ in 0..<1000 { bytes.writeImmutableBuffer(ReplicaFrameCodecTests.frame(0x42, id: 0)) }
        var read = 0
        var last = ClientConnectionState.Inbound.none
        while state.phase != .failed, let frame = try decoder.next(from: &bytes) {
            read += 1
            last = state.received(frame, at: Self.t0)
        }
        #expect(read == 200)
        #expect(ClientConnectionStateTests.isGoAway(last, .enhanceYourCalm))
    }
}
