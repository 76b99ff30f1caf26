import BerthGatewayCore
import NIOCore
import Testing

@testable import BerthGateway

/// Heads are written straight into the outgoing buffer, sized by an estimate: one larger than its estimate must
/// still go out whole (written a second time into a buffer of the size counted), never cut.
@Suite struct GatewayHeadWriteTests {
    @Test func aHeadLargerThanItsEstimateIsWrittenWhole() throws {
        let value = String(repeating: "v", count: 3000)
        let text = "GET /a HTTP/1.1\r\nHost: example.com\r\nX-Big: \(value)\r\nAccept: */*\r\n\r\n"
        let bytes = Array(text.utf8)
        let (head, _, lines) = try #require(try TestRequestLines.parse(bytes))
        let rewrite = RequestRewrite(clientAddress: "192.0.2.7", requestID: "abc-123")
        var expected: [UInt8] = []
        bytes.withUnsafeBytes { RequestRewrite.write(head, lines: lines, in: $0, rewrite: rewrite, into: &expected) }
        for estimate in [1, 64, expected.count - 1, expected.count, expected.count + 1, 8192] {
            let buffer = bytes.withUnsafeBytes { raw in
                GatewayLoop.writeHead(allocator: ByteBufferAllocator(), estimate: estimate) { sink in
                    RequestRewrite.write(head, lines: lines, in: raw, rewrite: rewrite, into: &sink)
                }
            }
            #expect(Array(buffer.readableBytesView) == expected, "estimate \(estimate)")
        }
    }
}

/// Parses a request head into field lines, as the gateway does.
enum TestRequestLines {
    static func parse(_ bytes: [UInt8]) throws -> (RequestHead, Int, [FieldLine])? {
        try bytes.withUnsafeBytes { buffer in
            var progress = HeadScanProgress()
            var lines: [FieldLine] = []
            let parsed = try HeadParser.parseRequest(
                buffer, limits: HTTPLimits(), progress: &progress, lines: &lines)
            return parsed.map { ($0.head, $0.length, lines) }
        }
    }
}
