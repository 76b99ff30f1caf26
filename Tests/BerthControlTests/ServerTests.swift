import BerthControlClient
import BerthControlProtocol
import BerthControlServer
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized, .timeLimit(.minutes(2))) struct ServerTests {
    private func configuration(_ directory: String, maxBodyBytes: Int = 1 << 20) -> ControlServerConfiguration {
        ControlServerConfiguration(
            socketPath: "\(directory)/run/control.sock",
            allowedUID: getuid(),
            maxBodyBytes: maxBodyBytes
        )
    }

    @Test func statusAndOperationsRoundTrip() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        try await withServer(configuration(directory)) { socket in
            let client = ControlClient(socketPath: socket, timeout: .seconds(10))
            let status = try await offPool { try client.status() }
            #expect(status == (await TestService().status()))

            let restart = try await offPool {
                try client.perform("POST", "/v1/services/web/restart", body: WaitRequest(timeoutMilliseconds: 1000))
            }
            #expect(restart.ok && restart.status?.project == "demo")

            let scale = try await offPool {
                try client.perform(
                    "POST",
                    "/v1/scale",
                    body: ScaleRequest(services: ["web": 2], timeoutMilliseconds: nil)
                )
            }
            #expect(scale == OperationResponse(ok: true, message: "scaled"))

            let wait = try await offPool {
                try client.perform("POST", "/v1/wait", body: WaitRequest(timeoutMilliseconds: 0))
            }
            #expect(!wait.ok && wait.notReady.first?.reason == "not ready yet")

            let down = try await offPool { try client.perform("POST", "/v1/down") }
            #expect(down.ok)
        }
    }

    @Test func errorsArriveAsTypedAPIErrors() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        try await withServer(configuration(directory)) { socket in
            let client = ControlClient(socketPath: socket, timeout: .seconds(10))
            let unknown = await #expect(throws: ControlClientError.self) {
                try await offPool { try client.perform("POST", "/v1/services/db/stop") }
            }
            #expect(unknown == .api(.unknownService("db")))

            let malformed = try await offPool {
                try client.send(method: "POST", path: "/v1/wait", body: Array("{".utf8))
            }
            #expect(malformed.status == 400)
            let document = try JSONDecoder().decode(ErrorResponse.self, from: Data(malformed.body))
            #expect(document.error.code == "bad_request" && document.error.message.contains("malformed JSON"))

            let wrongMethod = try await offPool { try client.send(method: "GET", path: "/v1/scale", body: nil) }
            #expect(wrongMethod.status == 405)
            let missing = try await offPool { try client.send(method: "GET", path: "/v1/nothing", body: nil) }
            #expect(missing.status == 404)
            let logsOfUnknown = await #expect(throws: ControlClientError.self) {
                try await offPool { try client.streamLogs(LogQuery(service: "db")) { _ in true } }
            }
            #expect(logsOfUnknown == .api(.unknownService("db")))
        }
    }

    @Test func oversizedBodyIs413() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        try await withServer(configuration(directory, maxBodyBytes: 1024)) { socket in
            let client = ControlClient(socketPath: socket, timeout: .seconds(10))
            let padding = String(repeating: " ", count: 4096)
            let answer = try await offPool {
                try client.send(method: "POST", path: "/v1/wait", body: Array("{\(padding)}".utf8))
            }
            #expect(answer.status == 413)
            let document = try JSONDecoder().decode(ErrorResponse.self, from: Data(answer.body))
            #expect(document.error.code == "payload_too_large")

            // Declared too large, refused before the body is read; chunked bodies are bounded too.
            let declared = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                raw.write("POST /v1/wait HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n{}")
                return raw.readToEnd()
            }
            #expect(declared.hasPrefix("HTTP/1.1 413"))
            let chunked = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                let chunk = String(repeating: " ", count: 800)
                raw.write("POST /v1/wait HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                raw.write("320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n")
                return raw.readToEnd()
            }
            #expect(chunked.hasPrefix("HTTP/1.1 413"))
        }
    }

    @Test func badHTTPIs400AndCloses() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        try await withServer(configuration(directory)) { socket in
            let garbage = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                raw.write("THIS IS NOT HTTP\r\n\r\n")
                return raw.readToEnd()
            }
            #expect(garbage.hasPrefix("HTTP/1.1 400"))
            #expect(garbage.contains(#""code":"bad_request""#))

            let hugeHeader = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                raw.write(
                    "GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n"
                )
                return raw.readToEnd()
            }
            #expect(hugeHeader.hasPrefix("HTTP/1.1 400"))

            let bothLengths = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                raw.write(
                    "POST /v1/wait HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}"
                )
                return raw.readToEnd()
            }
            #expect(bothLengths.hasPrefix("HTTP/1.1 400"))
        }
    }

    @Test func keepAliveServesPipelinedRequestsInOrder() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        try await withServer(configuration(directory)) { socket in
            let answers = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                raw.write(
                    "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "POST /v1/services/nope/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                        + "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                return raw.readToEnd()
            }
            let statuses = answers.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.prefix(3) }
            #expect(statuses == ["200", "404", "200"])
        }
    }

    @Test func logsStreamAsNDJSON() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        try await withServer(configuration(directory)) { socket in
            let client = ControlClient(socketPath: socket, timeout: .seconds(10))
            let lines = try await offPool { () -> [String] in
                var lines: [String] = []
                try client.streamLogs(LogQuery(service: "web", tail: 5)) { entry in
                    lines.append(entry.line)
                    return true
                }
                return lines
            }
            #expect(lines == ["line 0", "line 1", "line 2", "line 3", "line 4"])

            let raw = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                raw.write("GET /v1/logs?tail=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return raw.readToEnd()
            }
            #expect(
                raw.contains("content-type: application/x-ndjson") || raw.contains("Content-Type: application/x-ndjson")
            )
            #expect(raw.lowercased().contains("transfer-encoding: chunked"))
            #expect(raw.hasSuffix("0\r\n\r\n"))
        }
    }

    @Test func followedLogsStopWhenTheClientGoesAway() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let service = TestService()
        try await withServer(configuration(directory), service: service) { socket in
            let client = ControlClient(socketPath: socket, timeout: .seconds(10))
            let seen = try await offPool { () -> Int in
                var seen = 0
                try client.streamLogs(LogQuery(service: "web", tail: 2, follow: true)) { _ in
                    seen += 1
                    return seen < 2
                }
                return seen
            }
            #expect(seen == 2)
            for _ in 0..<500 where !service.followEnded.isSet {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(service.followEnded.isSet)
        }
    }

    @Test func eventsStreamAsNDJSONOrServerSentEventsUntilTheClientGoesAway() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let service = TestService()
        try await withServer(configuration(directory), service: service) { socket in
            let client = ControlClient(socketPath: socket, timeout: .seconds(10))
            let messages = try await offPool { () -> [String] in
                var messages: [String] = []
                try client.streamEvents(tail: 3) { event in
                    messages.append("\(event.sequence) \(event.service ?? "") \(event.message)")
                    return messages.count < 3
                }
                return messages
            }
            #expect(
                messages == ["1 web ready (pid 1234) #0", "2 web ready (pid 1234) #1", "3 web ready (pid 1234) #2"])
            for _ in 0..<500 where !service.followEnded.isSet {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(service.followEnded.isSet)

            let raw = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                raw.write("GET /v1/events?tail=1&format=sse HTTP/1.1\r\nHost: x\r\n\r\n")
                return raw.read(until: "\n\n")
            }
            #expect(raw.lowercased().contains("content-type: text/event-stream"))
            #expect(raw.contains("event: replica\nid: 1\ndata: {"))
            #expect(raw.contains(#""message":"ready (pid 1234) #0""#))
        }
    }
}
