import BerthControlClient
import BerthControlProtocol
import BerthControlServer
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A service that records when the server says an operation's answer was written (`berth down` exits only then).
final class AnsweringService: ControlService {
    let inner = TestService()
    let answeredCommands = Mutex<[String]>([])
    /// The operations performed, to compare with those answered.
    let performed = Mutex<[String]>([])

    func status() async -> StatusResponse { await inner.status() }

    /// While true, `down` does not return (the test closes its connection meanwhile).
    let holdDown = Mutex(false)

    func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse {
        performed.withLock { $0.append("\(command)") }
        if case .down = command {
            while holdDown.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
            return OperationResponse(ok: true, message: "stopped")
        }
        return try await inner.perform(command)
    }

    func logs(_ query: LogQuery) async throws(ControlAPIError) -> AsyncStream<LogEntry> {
        try await inner.logs(query)
    }

    func events(_ query: EventQuery) async -> AsyncStream<DaemonEvent> { await inner.events(query) }

    func answered(_ command: ControlCommand) {
        answeredCommands.withLock { $0.append("\(command)") }
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct AnsweredTests {
    @Test func anOperationIsAnsweredToTheClientThenTheServiceHearsItButNotForStatus() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let service = AnsweringService()
        let configuration = ControlServerConfiguration(socketPath: "\(directory)/control.sock", allowedUID: getuid())
        try await withServer(configuration, service: service) { socket in
            let client = ControlClient(socketPath: socket, timeout: .seconds(10))
            _ = try await offPool { try client.status() }
            #expect(service.answeredCommands.withLock { $0 } == [])
            let down = try await offPool {
                try client.perform("POST", "/v1/down", body: WaitRequest(timeoutMilliseconds: nil))
            }
            #expect(down.ok && down.message == "stopped")
            var heard: [String] = []
            for _ in 0..<200 {
                heard = service.answeredCommands.withLock { $0 }
                if !heard.isEmpty { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(heard == service.performed.withLock { $0 })
            #expect(heard.count == 1 && heard[0].hasPrefix("down"))
        }
    }

    @Test func aClientThatLeavesBeforeTheAnswerStillLetsTheServiceHearIt() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let service = AnsweringService()
        service.holdDown.withLock { $0 = true }
        let configuration = ControlServerConfiguration(socketPath: "\(directory)/control.sock", allowedUID: getuid())
        try await withServer(configuration, service: service) { socket in
            try await offPool {
                let connection = try RawConnection(path: socket)
                connection.write("POST /v1/down HTTP/1.1\r\nHost: berth\r\nContent-Length: 0\r\n\r\n")
            }
            // The connection is closed (the RawConnection is gone); `down` finishes only now.
            for _ in 0..<200 where service.performed.withLock({ $0.isEmpty }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            service.holdDown.withLock { $0 = false }
            var heard: [String] = []
            for _ in 0..<200 {
                heard = service.answeredCommands.withLock { $0 }
                if !heard.isEmpty { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(heard.count == 1 && heard[0].hasPrefix("down"), "berth down would never let the daemon exit")
        }
    }
}
