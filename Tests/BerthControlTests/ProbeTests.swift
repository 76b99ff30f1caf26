import BerthProbes
import BerthProcess
import Foundation
import NIOPosix
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized, .timeLimit(.minutes(1))) struct ProbeTests {
    private static let launcher = Result { try ProcessLauncher() }

    private func prober() throws -> Prober {
        Prober(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, launcher: try Self.launcher.get())
    }

    @Test func httpSucceedsOn2xxAnd3xxAndFailsOtherwise() async throws {
        for (answer, expected) in [
            ("HTTP/1.1 200 OK", ProbeOutcome.success), ("HTTP/1.1 302 Found", .success),
            ("HTTP/1.1 500 Internal Server Error", .failure("HTTP 500")),
            ("HTTP/1.0 404 Not Found", .failure("HTTP 404")),
            ("garbage", .failure("malformed HTTP response")),
        ] {
            let listener = try TCPListener(reply: answer + "\r\nContent-Length: 0\r\n\r\n")
            defer { listener.stop() }
            let outcome = try await prober().http(
                host: "127.0.0.1",
                port: listener.port,
                path: "/health",
                timeout: .seconds(5)
            )
            #expect(outcome == expected, "\(answer)")
            let request = listener.receivedRequest()
            #expect(request.hasPrefix("GET /health HTTP/1.1\r\n"))
            #expect(request.contains("Host: 127.0.0.1:\(listener.port)\r\n"))
            #expect(request.contains("Connection: close\r\n"))
        }
    }

    /// A replica that writes its head and its body apart (Python's http.server does) must not see its second write
    /// fail: the probe reads the response to its end before it resets the connection.
    @Test func theReplicaWritesItsWholeResponse() async throws {
        let listener = try SplitWriteListener()
        let outcome = try await prober().http(host: "127.0.0.1", port: listener.port, path: "/", timeout: .seconds(5))
        #expect(outcome == .success)
        #expect(listener.bodyWrite() == "ok", "the replica's second write: \(listener.bodyWrite())")
    }

    @Test func httpReportsRefusedAndTimeout() async throws {
        let port = try unusedPort()
        let refused = try await prober().http(host: "127.0.0.1", port: port, path: "/", timeout: .seconds(2))
        #expect(refused == .failure("connection refused"))

        let silent = try TCPListener(reply: nil)  // accepts, never answers
        defer { silent.stop() }
        let start = ContinuousClock.now
        let timedOut = try await prober().http(
            host: "127.0.0.1",
            port: silent.port,
            path: "/",
            timeout: .milliseconds(300)
        )
        #expect(timedOut == .failure("timed out after 300ms"))
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    /// The supervisor's way: many probes at once on the shared epoll thread, no task each; every one gets its own
    /// outcome, exactly once.
    @Test func probesStartedWithoutATaskEachGetTheirOutcome() async throws {
        let listener = try TCPListener(reply: "HTTP/1.1 204 No Content\r\n\r\n")
        defer { listener.stop() }
        let refusedPort = try unusedPort()
        let outcomes = Mutex<[Int: [ProbeOutcome]]>([:])
        let prober = try prober()
        for index in 0..<40 {
            let record: @Sendable (ProbeOutcome) -> Void = { outcome in
                outcomes.withLock { $0[index, default: []].append(outcome) }
            }
            switch index % 4 {
            case 0:
                prober.startHTTP(
                    host: "127.0.0.1", port: listener.port, path: "/", timeout: .seconds(10),
                    completion: record)
            case 1: prober.startTCP(host: "127.0.0.1", port: listener.port, timeout: .seconds(10), completion: record)
            case 2:
                prober.startHTTP(
                    host: "127.0.0.1", port: refusedPort, path: "/", timeout: .seconds(10),
                    completion: record)
            default:
                prober.startHTTP(
                    host: "localhost", port: listener.port, path: "/", timeout: .seconds(10),
                    completion: record)
            }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while outcomes.withLock({ $0.count }) < 40, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(50))  // a second completion would show up here
        let all = outcomes.withLock { $0 }
        for index in 0..<40 {
            let expected: ProbeOutcome =
                switch index % 4 {
                case 0, 1: .success
                case 2: .failure("connection refused")
                default: .failure("'localhost' is not an IP address")
                }
            #expect(all[index] == [expected], "probe \(index)")
        }
    }

    @Test func namesStillResolveForTheAsyncProbes() async throws {
        let listener = try TCPListener(reply: "HTTP/1.1 200 OK\r\n\r\n")
        defer { listener.stop() }
        let outcome = try await prober().http(host: "localhost", port: listener.port, path: "/", timeout: .seconds(5))
        #expect(outcome == .success)
    }

    @Test func tcpConnects() async throws {
        let listener = try TCPListener(reply: nil)
        defer { listener.stop() }
        #expect(try await prober().tcp(host: "127.0.0.1", port: listener.port, timeout: .seconds(2)) == .success)
        let port = try unusedPort()
        #expect(
            try await prober().tcp(host: "127.0.0.1", port: port, timeout: .seconds(2))
                == .failure("connection refused")
        )
        #expect(
            try await prober().tcp(host: "127.0.0.1", port: 0, timeout: .seconds(2)) == .failure("invalid port 0")
        )
    }

    @Test func execChecksTheExitStatusAndKillsOnTimeout() async throws {
        let environment = ["PATH": "/usr/bin:/bin"]
        let ok = SpawnRequest(arguments: ["true"], environment: environment, workingDirectory: "/")
        #expect(try await prober().exec(ok, timeout: .seconds(5)) == .success)
        let failing = SpawnRequest(
            arguments: ["sh", "-c", "exit 3"],
            environment: environment,
            workingDirectory: "/"
        )
        #expect(try await prober().exec(failing, timeout: .seconds(5)) == .failure("exec exited with status 3"))
        let missing = SpawnRequest(arguments: ["/no/such/probe"], environment: environment, workingDirectory: "/")
        guard case .failure(let reason) = try await prober().exec(missing, timeout: .seconds(5)) else {
            Issue.record("a missing executable must fail")
            return
        }
        #expect(reason.contains("/no/such/probe"))

        // A hung probe with a child of its own: the whole group is killed at the timeout.
        let marker = "berth-probe-test-\(getpid())"
        let hung = SpawnRequest(
            arguments: ["sh", "-c", "sleep 30 & exec sleep 31"],
            environment: environment.merging(["MARK": marker]) { $1 },
            workingDirectory: "/"
        )
        let start = ContinuousClock.now
        #expect(try await prober().exec(hung, timeout: .milliseconds(300)) == .failure("timed out after 300ms"))
        #expect(ContinuousClock.now - start < .seconds(5))
        var survivors = ProcessTable.pids(withEnvironment: "MARK", value: marker)
        for _ in 0..<100 where !survivors.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            survivors = ProcessTable.pids(withEnvironment: "MARK", value: marker).filter(ProcessTable.isAlive)
        }
        #expect(survivors.isEmpty)
    }
}

/// A one-connection-at-a-time loopback TCP listener on a thread: answers each connection with `reply` (nil: never
/// answers, holding the connection until stopped) and records the first request.
final class TCPListener: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let lock = NSLockLike()
    private var request = ""
    private var connections: [Int32] = []
    private var stopped = false
    /// The connection being read, shut down by `stop` so that the thread does not wait out its receive timeout.
    private var current: Int32 = -1
    private var finished = false

    init(reply: String?) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ListenerError()
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve(reply: reply) }
        thread.start()
    }

    private func serve(reply: String?) {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { break }
            let proceed = lock.withLock {
                guard !stopped else { return false }
                current = client
                return true
            }
            guard proceed else {
                close(client)
                break
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            lock.withLock {
                if request.isEmpty && count > 0 { request = String(decoding: buffer[..<count], as: UTF8.self) }
                connections.append(client)
                current = -1
            }
            if let reply {
                _ = Array(reply.utf8).withUnsafeBytes {
                    send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
            }
        }
        lock.withLock { finished = true }
    }

    func receivedRequest() -> String {
        for _ in 0..<100 {
            let text = lock.withLock { request }
            if !text.isEmpty { return text }
            usleep(10_000)
        }
        return ""
    }

    /// Ends the serving thread before closing the listening socket: a thread still looping over `accept` on a
    /// closed descriptor number would accept the next listener's connections once the number is reused.
    func stop() {
        lock.withLock {
            stopped = true
            if current >= 0 { shutdown(current, Int32(SHUT_RDWR)) }
        }
        shutdown(fd, Int32(SHUT_RDWR))
        for _ in 0..<300 where !lock.withLock({ finished }) { usleep(10_000) }
        close(fd)
        lock.withLock { connections.forEach { close($0) } }
    }
}

struct ListenerError: Error {}

/// A port nothing listens on: bound then released (good enough for loopback tests).
func unusedPort() throws -> Int {
    let listener = try TCPListener(reply: nil)
    let port = listener.port
    listener.stop()
    return port
}

final class NSLockLike: @unchecked Sendable {
    private let lock = NSLock()
    func withLock<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

/// Accepts one connection, answers its head at once and its body 200 ms later, then closes; records how the body's
/// write went ("ok" or the errno's name).
final class SplitWriteListener: @unchecked Sendable {
    let port: Int
    private let lock = NSLockLike()
    private var result = ""

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            throw ListenerError()
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            defer { close(fd) }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            defer { close(client) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            _ = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            func write(_ text: String) -> Int {
                Array(text.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            _ = write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")
            usleep(200_000)
            let written = write("ok")
            let outcome = written == 2 ? "ok" : String(cString: strerror(errno))
            lock.withLock { result = outcome }
        }.start()
    }

    func bodyWrite() -> String {
        for _ in 0..<300 {
            let text = lock.withLock { result }
            if !text.isEmpty { return text }
            usleep(10_000)
        }
        return "no write within 3 s"
    }
}
