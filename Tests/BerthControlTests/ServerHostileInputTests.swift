import BerthControlProtocol
import BerthControlServer
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Path traversal and hostile names over the real Unix socket: each gets its 400 or 404, and the service (which
/// records what it is asked) is never called (docs/hostile-input.md).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ServerHostileInputTests {
    /// `TestService`, recording every operation it is asked to perform.
    final class RecordingService: ControlService {
        let inner = TestService()
        let performed = Mutex<[ControlCommand]>([])

        func status() async -> StatusResponse { await inner.status() }
        func logs(_ query: LogQuery) async throws(ControlAPIError) -> AsyncStream<LogEntry> {
            performed.withLock { $0.append(.logs(query)) }
            return try await inner.logs(query)
        }
        func events(_ query: EventQuery) async -> AsyncStream<DaemonEvent> { await inner.events(query) }
        func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse {
            performed.withLock { $0.append(command) }
            return try await inner.perform(command)
        }
    }

    @Test func traversalAndHostileNamesNeverReachTheService() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let service = RecordingService()
        let socketPath = directory + "/run/control.sock"
        let configuration = ControlServerConfiguration(socketPath: socketPath, allowedUID: getuid())
        try await withServer(configuration, service: service) { socket in
            let cases: [(String, String, Int)] = [
                ("POST", "/v1/services/%2e%2e/restart", 400),
                ("POST", "/v1/services/..%2F..%2Fetc/stop", 400),
                ("POST", "/v1/services/a%5Cb/start", 400),
                ("POST", "/v1/services/web%00/start", 400),
                ("POST", "/v1/services/%252e%252e/start", 400),
                ("GET", "/v1/logs?service=..%2Fweb", 400),
                ("POST", "/v1/services/../restart", 400),
                ("GET", "/v1/../v1/status", 404),
                ("GET", "/v1//status", 404),
                ("GET", "/v1%2Fstatus", 404),
            ]
            for (method, target, status) in cases {
                let answer = try await offPool { () -> String in
                    let raw = try RawConnection(path: socket)
                    raw.write(
                        "\(method) \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                    return raw.readToEnd()
                }
                #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(method) \(target): \(answer.prefix(200))")
            }
            let reload = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                let body = #"{"file":"/srv/app/../../etc/shadow"}"#
                raw.write(
                    "POST /v1/reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
                return raw.readToEnd()
            }
            #expect(reload.hasPrefix("HTTP/1.1 400"), "\(reload.prefix(200))")
            // The same connection type with a valid name does reach the service: the check above can fail.
            _ = try await offPool { () -> String in
                let raw = try RawConnection(path: socket)
                raw.write(
                    "POST /v1/services/web/restart HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "Content-Length: 0\r\n\r\n")
                return raw.readToEnd()
            }
        }
        #expect(service.performed.withLock { $0 } == [.restart(service: "web", timeoutMilliseconds: nil)])
    }
}
