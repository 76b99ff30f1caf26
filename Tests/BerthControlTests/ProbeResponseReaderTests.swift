import Testing

@testable import BerthProbes

/// Where a probe's response ends, and whether its connection may carry the next probe, from bytes alone.
@Suite struct ProbeResponseReaderTests {
    private func read(_ pieces: [String]) -> ProbeResponseReader {
        var reader = ProbeResponseReader()
        for piece in pieces {
            Array(piece.utf8).withUnsafeBytes { reader.consume($0) }
        }
        return reader
    }

    @Test func aLengthDelimitedResponseIsReusableOnceItsBodyIsIn() {
        let head = read(["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"])
        #expect(head.outcome == .success)
        #expect(head.end == nil)
        let whole = read(["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", "cde"])
        #expect(whole.end == .reusable)
    }

    @Test func theOutcomeIsKnownAtTheStatusLine() {
        let reader = read(["HTTP/1.1 503 Busy\r\nConte"])
        #expect(reader.outcome == .failure("HTTP 503"))
        #expect(reader.end == nil)
    }

    @Test func closeHTTP10FailuresAndBodiesToTheCloseAreNotReused() {
        #expect(read(["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"]).end == .close)
        #expect(read(["HTTP/1.1 200 OK\r\nconnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n"]).end == .close)
        #expect(read(["HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"]).end == .close)
        #expect(read(["HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"]).end == .close)
        let untilClose = read(["HTTP/1.1 200 OK\r\n\r\nbody"])
        #expect(untilClose.end == nil)
        #expect(untilClose.runsToClose)
    }

    @Test func noBodyStatusesAndChunkedBodies() {
        #expect(read(["HTTP/1.1 204 No Content\r\n\r\n"]).end == .reusable)
        #expect(read(["HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"]).end == .reusable)
        let chunked = [
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "2;x=y\r\nok\r\n", "1\r\n!\r\n0\r\n\r\n",
        ]
        #expect(read(Array(chunked.prefix(2))).end == nil)
        #expect(read(chunked).end == .reusable)
        #expect(read(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n"]).end == .reusable)
        #expect(read(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]).end == .close)
    }

    @Test func malformedOversizedAndOutOfStepResponsesClose() {
        let garbage = read(["garbage\r\n"])
        #expect(garbage.outcome == .failure("malformed HTTP response"))
        #expect(garbage.end == .close)
        #expect(read(["HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"]).end == .close)
        #expect(read(["HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"]).end == .close)
        #expect(read(["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n"]).end == .close)
        let long = read(["HTTP/1.1 200 OK\r\n" + String(repeating: "X-A: b\r\n", count: 2000)])
        #expect(long.end == .close)
    }
}
