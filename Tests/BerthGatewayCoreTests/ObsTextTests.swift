import BerthGatewayCore
import Testing

/// obs-text (bytes 0x80-0xFF that are not UTF-8, e.g. Latin-1 from WSGI servers) in a response is opaque data
/// (RFC 9110 §5.5): accepted and forwarded byte for byte. Requests keep refusing it.
@Suite("obs-text in responses")
struct ObsTextTests {
    static let latin1: [UInt8] =
        Array("HTTP/1.1 200 Tr".utf8) + [0xE8] + Array("s bien\r\nContent-Length: 2\r\n".utf8)
        + Array("X-Name: caf".utf8) + [0xE9] + Array("\r\nX-Utf8: caf\u{e9}\r\n\r\n".utf8)

    static func parse(_ bytes: [UInt8]) throws -> ResponseHead {
        let parsed = try bytes.withUnsafeBytes { buffer in
            Result { () throws(HTTPFramingError) in
                try HeadParser.parseResponse(buffer, requestMethod: "GET", limits: HTTPLimits())
            }
        }.get()
        return try #require(parsed).head
    }

    @Test func latin1FieldValuesAndReasonsAreForwardedUnchanged() throws {
        let head = try Self.parse(Self.latin1)
        #expect(head.status == 200)
        #expect(head.headers[1].value == "caf\u{e9}")  // read as Latin-1
        #expect(head.headers[1].rawValue == Array("caf".utf8) + [0xE9])
        #expect(head.headers[2].rawValue == nil)
        var out: [UInt8] = []
        ResponseRewrite.serialize(head, requestID: "r", keepAlive: true, into: &out)
        let expected =
            Array("HTTP/1.1 200 Tr".utf8) + [0xE8] + Array("s bien\r\nContent-Length: 2\r\n".utf8)
            + Array("X-Name: caf".utf8) + [0xE9] + Array("\r\nX-Utf8: caf\u{e9}\r\nX-Request-Id: r\r\n\r\n".utf8)
        #expect(out == expected)
        // The gateway's path: field lines copied from the read bytes.
        let written = Self.latin1.withUnsafeBytes { bytes in
            var progress = HeadScanProgress()
            var lines: [FieldLine] = []
            var written: [UInt8] = []
            if let (head, _) = try? HeadParser.parseResponse(
                bytes, requestMethod: "GET", limits: HTTPLimits(), progress: &progress, lines: &lines)
            {
                ResponseRewrite.write(head, lines: lines, in: bytes, requestID: "r", keepAlive: true, into: &written)
            }
            return written
        }
        #expect(written == expected)
    }

    @Test func requestsStillRefuseIt() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: h\r\nX: caf".utf8) + [0xE9] + Array("\r\n\r\n".utf8)
        #expect(TestBytes.requestError(bytes)?.status == 400)
    }

    @Test func controlBytesInAResponseAreStillRefused() {
        #expect(TestBytes.responseError("HTTP/1.1 200 OK\r\nX: a\u{7f}\r\n\r\n") != nil)
    }
}
