import BerthControlClient
import BerthControlProtocol
import BerthControlServer
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh directory under /tmp, world-traversable (0755) so that a test can let another uid reach a socket in it.
func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/berth-control-XXXXXX".utf8CString)
    guard let created = mkdtemp(&template) else { throw TestFailure("mkdtemp failed: \(errno)") }
    let path = String(cString: created)
    chmod(path, 0o755)
    return path
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs blocking code (the blocking `ControlClient`, raw sockets) on its own thread, never on the cooperative pool.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}

/// A control server running in a task for the duration of `body`; cancelled (and awaited) afterwards.
func withServer<T: Sendable>(
    _ configuration: ControlServerConfiguration,
    service: any ControlService = TestService(),
    _ body: @Sendable (String) async throws -> T
) async throws -> T {
    let server = ControlServer(configuration: configuration, service: service, logger: Logger(label: "test"))
    let task = Task { try await server.run() }
    defer { task.cancel() }
    try await waitUntilServing(configuration.socketPath, task: task)
    do {
        let result = try await body(configuration.socketPath)
        task.cancel()
        try await task.value
        return result
    } catch {
        task.cancel()
        _ = await task.result
        throw error
    }
}

/// Polls until something accepts connections on `path` (at most 10 s).
func waitUntilServing(_ path: String, task: Task<Void, any Error>) async throws {
    for _ in 0..<1000 {
        if connectable(path) { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    task.cancel()
    _ = await task.result
    throw TestFailure("server did not start on \(path)")
}

func connectable(_ path: String) -> Bool {
    (try? RawConnection(path: path)) != nil
}

/// A raw client socket for sending arbitrary bytes (malformed HTTP, pipelined requests).
final class RawConnection {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            // No close here: the instance is fully initialised, so deinit closes the descriptor.
            throw TestFailure("connect: \(errno)")
        }
    }

    deinit { close(fd) }

    func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the peer closes (or 10 s pass).
    func readToEnd() -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            data += buffer[..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads until `text` has been seen `times` times in the data (or the peer closes).
    func read(until text: String, times: Int = 1) -> String {
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 65536)
        while received.components(separatedBy: text).count - 1 < times {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += String(decoding: buffer[..<count], as: UTF8.self)
        }
        return received
    }
}

/// A `ControlService` for driving the server: one service "web"; anything else is an unknown service.
struct TestService: ControlService {
    let followEnded = FollowFlag()

    func status() async -> StatusResponse {
        StatusResponse(
            project: "demo",
            daemonPID: 42,
            manifest: "/srv/demo/berth.yaml",
            services: [
                ServiceStatus(
                    name: "web",
                    desired: 1,
                    replicas: [
                        ReplicaStatus(
                            index: 0,
                            pid: 1234,
                            port: 8080,
                            state: .running,
                            ready: true,
                            restarts: 2,
                            uptimeSeconds: 12.5,
                            lastExit: "exited with status 1"
                        )
                    ]
                )
            ]
        )
    }

    func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse {
        switch command {
        case .start(let name, _), .stop(let name, _), .restart(let name, _), .replica(let name, _, _, _),
            .runNow(let name, _, _):
            guard name == "web" else { throw .unknownService(name) }
            return OperationResponse(ok: true, message: "\(command) done", status: await status())
        case .scale(let request):
            if let unknown = request.services.keys.sorted().first(where: { $0 != "web" }) {
                throw .unknownService(unknown)
            }
            return OperationResponse(ok: true, message: "scaled")
        case .waitReady(let timeout):
            if timeout == 0 {
                let notReady = NotReady(service: "web", replica: 0, state: .starting, reason: "not ready yet")
                return OperationResponse(ok: false, message: "timed out", notReady: [notReady])
            }
            return OperationResponse(ok: true, message: "ready")
        case .down:
            return OperationResponse(ok: true, message: "down")
        case .reload(let request):
            return OperationResponse(ok: true, message: request.dryRun ? "plan" : "reloaded")
        case .status, .logs, .events, .dashboardLogin:
            throw .internalError("not an operation")
        }
    }

    func logs(_ query: LogQuery) async throws(ControlAPIError) -> AsyncStream<LogEntry> {
        if let service = query.service, service != "web" { throw .unknownService(service) }
        let flag = followEnded
        return AsyncStream(bufferingPolicy: .bufferingNewest(100)) { continuation in
            let count = query.tail ?? 3
            for index in 0..<count {
                continuation.yield(
                    LogEntry(service: "web", replica: 0, stream: .stdout, time: 1000, line: "line \(index)")
                )
            }
            if query.follow {
                continuation.onTermination = { _ in flag.set() }
            } else {
                continuation.finish()
            }
        }
    }

    /// `tail` replica events (web.0 restarting), then the stream stays open until the client goes away.
    func events(_ query: EventQuery) async -> AsyncStream<DaemonEvent> {
        let flag = followEnded
        return AsyncStream(bufferingPolicy: .bufferingNewest(100)) { continuation in
            for index in 0..<min(query.tail, 5) {
                continuation.yield(
                    DaemonEvent(
                        sequence: index + 1, time: 1000, kind: .replica, service: "web", replica: 0,
                        state: .running, ready: true, pid: 1234, message: "ready (pid 1234) #\(index)"))
            }
            continuation.onTermination = { _ in flag.set() }
        }
    }
}

/// Set when a followed log stream was terminated by the server (the client went away).
final class FollowFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
