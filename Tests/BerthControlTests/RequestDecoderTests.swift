import BerthControlProtocol
import BerthControlServer
import NIOHTTP1
import Testing

/// The control socket's bytes -> outcomes path (NIO's HTTP decoder as the server configures it,
/// `ControlRequestAssembler`, `ControlCommand.decode`) without a socket: what `control-fuzz` drives.
@Suite struct RequestDecoderTests {
    static func decode(_ text: String, pieces: Int = 1) -> [ControlRequestDecoder.Outcome] {
        let bytes = Array(text.utf8)
        let size = max(1, (bytes.count + pieces - 1) / pieces)
        let chunks = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min(bytes.count, $0 + size)]) }
        return ControlRequestDecoder.decode(chunks, maxBodyBytes: 100)
    }

    static func statuses(_ outcomes: [ControlRequestDecoder.Outcome]) -> [Int] {
        outcomes.map { outcome in
            switch outcome {
            case .command: 200
            case .refused(let error): error.status
            case .dropped: 0
            }
        }
    }

    @Test func everyRequestTheCLISendsDecodes() {
        let head = "Host: berthd\r\nUser-Agent: berth\r\n"
        let body = #"{"services":{"web":2},"timeout_ms":1000}"#
        let pipelined =
            "GET /v1/status HTTP/1.1\r\n\(head)\r\n"
            + "POST /v1/scale HTTP/1.1\r\n\(head)Content-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            + "POST /v1/wait HTTP/1.1\r\n\(head)Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
            + "GET /v1/logs?service=web&tail=5 HTTP/1.1\r\n\(head)Connection: close\r\n\r\n"
            + "GET /v1/status HTTP/1.1\r\n\(head)\r\n"  // after Connection: close, never read
        let expected: [ControlRequestDecoder.Outcome] = [
            .command(.status),
            .command(.scale(ScaleRequest(services: ["web": 2], timeoutMilliseconds: 1000))),
            .command(.waitReady(timeoutMilliseconds: nil)),
            .command(.logs(LogQuery(service: "web", tail: 5))),
        ]
        for pieces in [1, 7, pipelined.utf8.count] {
            #expect(Self.decode(pipelined, pieces: pieces) == expected, "\(pieces) pieces")
        }
    }

    @Test func hostileBytesGetAClearErrorAndEndTheConnection() {
        let cases: [(String, Int)] = [
            ("THIS IS NOT HTTP\r\n\r\n", 400),
            ("POST /v1/wait HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}", 400),
            ("POST /v1/wait HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", 413),
            (
                "POST /v1/wait HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n"
                    + "\(String(repeating: " ", count: 101))\r\n0\r\n\r\n", 413
            ),
            ("POST /v1/wait HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
            ("GET /v1/status HTTP/1.1\r\nHost: x\r\nX: \(String(repeating: "a", count: 17_000))\r\n\r\n", 400),
            ("GET /v1/services/%2e%2e/start HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("POST /v1/services/%2e%2e/start HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("POST /v1/services/..%2F..%2Fetc/start HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("GET /v1/../v1/status HTTP/1.1\r\nHost: x\r\n\r\n", 404),
            ("GET http://x/v1/status HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("GET /v1/status\u{0} HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ]
        for (text, status) in cases {
            let outcomes = Self.decode(text)
            #expect(Self.statuses(outcomes).last == status, "\(text.prefix(80).debugDescription): \(outcomes)")
            // Wherever the bytes are cut, the answer is the same.
            #expect(Self.statuses(Self.decode(text, pieces: 5)) == Self.statuses(outcomes), "\(text.prefix(80))")
        }
    }

    @Test func bodyLimitIsCheckedAsBytesArrive() {
        var assembler = ControlRequestAssembler(maxBodyBytes: 4)
        let outcomes = ControlRequestDecoder.decode(
            [
                Array("POST /v1/wait HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{} \r\n".utf8),
                Array("3\r\n   \r\n0\r\n\r\n".utf8),
            ],
            maxBodyBytes: 4)
        #expect(Self.statuses(outcomes) == [413])
        #expect(assembler.receive(.end(nil)) == .refuse(.badRequest("unexpected HTTP message order")))
    }
}
