import BerthGatewayCore
import Testing

@Suite("Chunked bodies")
struct ChunkedBodyScannerTests {
    @Test func simpleBodyEndsAfterLastCRLF() throws {
        let body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        let (consumed, finished) = try TestBytes.chunked(body + "GET /next HTTP/1.1\r\n")
        #expect(consumed == body.utf8.count)
        #expect(finished)
    }

    @Test func hexSizesAndLeadingZeros() throws {
        let data = String(repeating: "z", count: 0x1A)
        let body = "1a\r\n\(data)\r\n001A\r\n\(data)\r\n000\r\n\r\n"
        #expect(try TestBytes.chunked(body) == (body.utf8.count, true))
    }

    @Test func incompleteBodyIsNotFinished() throws {
        #expect(try TestBytes.chunked("5\r\nhel") == (6, false))
        #expect(try TestBytes.chunked("0\r\n") == (3, false))
        #expect(try TestBytes.chunked("0\r\n\r") == (4, false))
    }

    @Test func byteByByteEqualsWhole() throws {
        let body = "3;a=b\r\nabc\r\n10 ; name = \"q\\\"v\" ; x\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\nrest"
        let bytes = Array(body.utf8)
        var scanner = ChunkedBodyScanner(limits: HTTPLimits())
        var total = 0
        var finished = false
        for byte in bytes {
            let result = try TestBytes.scan(&scanner, [byte])
            total += result.consumed
            if result.finished {
                finished = true
                break
            }
        }
        #expect(finished)
        #expect(total == bytes.count - 4)
        #expect(try TestBytes.chunked(body) == (bytes.count - 4, true))
        let again = try TestBytes.scan(&scanner, [0x41, 0x41, 0x41])
        #expect(again == (0, true))
        #expect(scanner.isFinished)
    }

    @Test func extensionsAreAllowed() throws {
        for line in ["5;ext", "5;ext=val", "5 ;ext", "5; ext", "5;a=\"b c\";d", "5;a = b", "5;a=\"\"", "5\t;a"] {
            #expect(try TestBytes.chunked("\(line)\r\nhello\r\n0\r\n\r\n").1, "\(line)")
        }
    }

    @Test(arguments: [
        "5 \r\n", "5;\r\n", "5;a=\r\n", "5;a b\r\n", "5;=b\r\n", "5;a=\"b\r\n", "5;a=b \r\n", "5;a=\"\u{1}\"\r\n",
        "5;a=\"b\"c\r\n", "5;a\u{0}\r\n",
    ])
    func badExtensions(line: String) {
        #expect(TestBytes.chunkedError(line + "hello\r\n0\r\n\r\n")?.status == 400, "\(line)")
    }

    @Test func extensionsAreBounded() {
        let long = "5;" + String(repeating: "a", count: ChunkedBodyScanner.maxSizeLineBytes) + "\r\nhello\r\n0\r\n\r\n"
        #expect(TestBytes.chunkedError(long) == .badRequest("chunk-size line too long"))
        let name = String(repeating: "a", count: ChunkedBodyScanner.maxSizeLineBytes - 2)
        let fits = "5;" + name + "\r\nhello\r\n0\r\n\r\n"
        #expect(TestBytes.chunkedError(fits) == nil)
    }

    @Test(arguments: ["x\r\n", "\r\n", "-5\r\n", "+5\r\n", "0x5\r\n", " 5\r\n", "5\n", "5\rx"])
    func badSizes(line: String) {
        #expect(TestBytes.chunkedError(line + "hello\r\n0\r\n\r\n")?.status == 400, "\(line)")
    }

    @Test func sizeOverflow() {
        #expect(TestBytes.chunkedError("8000000000000000\r\n") == .badRequest("chunk size too large"))
        #expect(TestBytes.chunkedError("FFFFFFFFFFFFFFFFF\r\n") == .badRequest("chunk size too large"))
        #expect(TestBytes.chunkedError("7FFFFFFFFFFFFFFF\r\n") == nil)
        #expect(TestBytes.chunkedError("00000000000000000000001\r\n") == nil)
    }

    @Test func missingCRLFAfterData() {
        #expect(TestBytes.chunkedError("5\r\nhelloX\r\n0\r\n\r\n") == .badRequest("missing CRLF after chunk data"))
        #expect(TestBytes.chunkedError("5\r\nhello\rX0\r\n\r\n") == .badRequest("missing CRLF after chunk data"))
        #expect(TestBytes.chunkedError("5\r\nhello\n0\r\n\r\n") == .badRequest("missing CRLF after chunk data"))
        #expect(TestBytes.chunkedError("3\r\nhello\r\n0\r\n\r\n") == .badRequest("missing CRLF after chunk data"))
    }

    @Test func trailers() throws {
        let body = "0\r\nX-Checksum: abc\r\nX-Other:\r\n\r\n"
        #expect(try TestBytes.chunked(body) == (body.utf8.count, true))
        #expect(TestBytes.chunkedError("0\r\n folded\r\n\r\n") == .badRequest("obs-fold in trailer"))
        #expect(TestBytes.chunkedError("0\r\nX : a\r\n\r\n") == .badRequest("whitespace before colon"))
        #expect(TestBytes.chunkedError("0\r\nX: a\nY: b\r\n\r\n") == .badRequest("control character in trailer value"))
        #expect(TestBytes.chunkedError("0\r\nX: a\r\r\n\r\n") == .badRequest("bare CR in trailer"))
        #expect(TestBytes.chunkedError("0\r\n\n") == .badRequest("invalid trailer field"))
        #expect(TestBytes.chunkedError("0\r\nNoColon\r\n\r\n") == .badRequest("invalid trailer field"))
    }

    @Test func trailersAreBounded() {
        let limits = HTTPLimits(maxHeadBytes: 32, maxHeaderCount: 2, maxRequestLineBytes: 100)
        let big = "0\r\nX: " + String(repeating: "a", count: 40) + "\r\n\r\n"
        #expect(TestBytes.chunkedError(big, limits: limits) == .headTooLarge)
        #expect(TestBytes.chunkedError("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits) == .headTooLarge)
        #expect(TestBytes.chunkedError("0\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits) == nil)
    }

    @Test func hugeChunkIsSkippedWithoutBuffering() throws {
        var scanner = ChunkedBodyScanner(limits: HTTPLimits())
        let head = try TestBytes.scan(&scanner, Array("40000000\r\n".utf8))
        #expect(head == (10, false))
        let block = [UInt8](repeating: 0x61, count: 1 << 20)
        for _ in 0..<1024 {
            let step = try TestBytes.scan(&scanner, block)
            #expect(step == (1 << 20, false))
        }
        let end = try TestBytes.scan(&scanner, Array("\r\n0\r\n\r\n".utf8))
        #expect(end == (7, true))
    }
}
