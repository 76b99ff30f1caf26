import BerthGateway
import BerthTestSupport
import Foundation
import Testing

/// The gateway checks a client's header blocks itself (`HTTP2HeaderCheck`, NIOHTTP2's check off on that connection):
/// each malformed block resets its stream and the connection goes on, as NIOHTTP2 answered; and since NIOHTTP2 no
/// longer counts them among its "glitches", the gateway bounds them per connection itself: past 200, GOAWAY
/// ENHANCE_YOUR_CALM. Raw frames over a real socket.
@Suite(.serialized) struct HTTP2MalformedBlockLimitTests {
    @Test func malformedBlocksResetTheirStreamsUntilTheLimitThenGoAway() async throws {
        let upstream = try RecordingUpstream()
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let goAwayHeader = String(decoding: [0, 0, 8, 7, 0, 0, 0, 0, 0] as [UInt8], as: UTF8.self)
        let (served, refused) = try await onThread {
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 5)
            // 200 blocks with an uppercase field name: each a stream error, the connection stays.
            var bytes = HTTP2AuditTests.http2Preface
            for stream in stride(from: 1, through: 399, by: 2) {
                bytes += Self.headers(stream: UInt32(stream), extra: ("X-Bad", "1"))
            }
            bytes += Self.headers(stream: 401, extra: ("x-good", "1"))
            try client.send(bytes)
            let served = try? client.read(through: "ok")
            // One more is over the limit: the connection is closed with GOAWAY.
            try client.send(Self.headers(stream: 403, extra: ("X-Bad", "1")))
            _ = try? client.read(through: goAwayHeader)
            // The GOAWAY's payload: the last stream id (403: its last byte is no UTF-8, one scalar), then the code.
            let refused = try? client.read(through: "\u{0}\u{0}\u{0}\u{B}")
            return (served, refused.map { Array($0.unicodeScalars).count == 8 && client.isClosedByPeer() })
        }
        #expect(served != nil, "the request after 200 malformed blocks was not served")
        let resets = served.map { $0.components(separatedBy: "\u{0}\u{0}\u{4}\u{3}\u{0}").count - 1 } ?? 0
        #expect(resets == 200, "\(resets) RST_STREAM frames")
        #expect(refused == true, "no GOAWAY ENHANCE_YOUR_CALM, then close")
        await gateway.stop()
    }

    /// HEADERS with END_STREAM and END_HEADERS for `GET /` on any stream id, with one extra literal field.
    static func headers(stream: UInt32, extra: (String, String)) -> [UInt8] {
        func string(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }
        let block: [UInt8] =
            [0x82, 0x86, 0x84, 0x01] + string("localhost") + [0x00] + string(extra.0) + string(extra.1)
        let id = withUnsafeBytes(of: stream.bigEndian, Array.init)
        return [0, 0, UInt8(block.count), 1, 0x05] + id + block
    }
}
