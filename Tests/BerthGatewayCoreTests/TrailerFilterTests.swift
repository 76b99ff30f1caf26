import BerthGatewayCore
import Testing

/// Trailer fields that must not be trailers (RFC 9110 §6.5.1) are dropped; chunk bytes and other trailers pass.
@Suite("Trailer filtering")
struct TrailerFilterTests {
    /// Runs `body` through a scanner in pieces of `piece` bytes, returning what would be forwarded.
    static func forwarded(_ body: String, piece: Int) throws -> (bytes: String, finished: Bool) {
        var scanner = ChunkedBodyScanner(limits: HTTPLimits())
        let bytes = Array(body.utf8)
        var out: [UInt8] = []
        var offset = 0
        var finished = false
        while offset < bytes.count, !finished {
            let end = min(bytes.count, offset + piece)
            let result = try TestBytes.scan(&scanner, Array(bytes[offset..<end]))
            out += bytes[offset..<(offset + scanner.passThrough)]
            if result.finished { out += scanner.takeTrailerSection() }
            offset += result.consumed
            finished = result.finished
        }
        return (String(decoding: out, as: UTF8.self), finished)
    }

    @Test(arguments: [1, 2, 7, 1000])
    func forbiddenTrailersAreDropped(piece: Int) throws {
        let body =
            "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nContent-Length: 0\r\nTRANSFER-ENCODING: chunked\r\n"
            + "Host: evil\r\nAuthorization: Bearer x\r\nSet-Cookie: s=1\r\nContent-Type: text/html\r\n"
            + "Trailer: X\r\nX-Forwarded-For: 1.2.3.4\r\nServer-Timing: db;dur=5\r\n\r\nGET /next"
        let (out, finished) = try Self.forwarded(body, piece: piece)
        #expect(finished)
        #expect(out == "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nServer-Timing: db;dur=5\r\n\r\n")
    }

    @Test(arguments: [1, 3, 1000])
    func aBodyWithoutTrailersPassesUnchanged(piece: Int) throws {
        let body = "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
        #expect(try Self.forwarded(body, piece: piece) == (body, true))
    }

    @Test func passThroughStopsAtTheTrailerSection() throws {
        var scanner = ChunkedBodyScanner(limits: HTTPLimits())
        let result = try TestBytes.scan(&scanner, Array("2\r\nab\r\n0\r\nX-A: 1".utf8))
        #expect(result.consumed == 16)
        #expect(!result.finished)
        #expect(scanner.passThrough == 10)  // "2\r\nab\r\n0\r\n"
        #expect(scanner.takeTrailerSection() == [])  // not finished yet
        _ = try TestBytes.scan(&scanner, Array("\r\n\r\n".utf8))
        #expect(scanner.passThrough == 0)
        #expect(String(decoding: scanner.takeTrailerSection(), as: UTF8.self) == "X-A: 1\r\n\r\n")
    }

    @Test func theForbiddenListCoversFramingRoutingAndAuthentication() {
        for name in [
            "transfer-encoding", "content-length", "host", "trailer", "authorization", "set-cookie",
            "content-type", "content-encoding", "cookie", "te", "connection",
        ] {
            #expect(!TrailerFilter.allows(line: Array("\(name.uppercased()): x".utf8)), "\(name)")
        }
        #expect(TrailerFilter.allows(line: Array("Grpc-Status: 0".utf8)))
    }
}
