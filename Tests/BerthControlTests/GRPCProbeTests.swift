import BerthProbes
import BerthProcess
import Foundation
import NIOPosix
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The grpc probe against grpcio's real grpc.health.v1 server (Tests/grpc/health_server.py), and against servers
/// that are not one.
@Suite(.serialized, .timeLimit(.minutes(1))) struct GRPCProbeTests {
    static let launcher = Result { try ProcessLauncher() }

    private func prober() throws -> Prober {
        Prober(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, launcher: try Self.launcher.get())
    }

    @Test func servingNotServingAndUnknownService() async throws {
        let server = try await HealthServer.start(launcher: try Self.launcher.get())
        defer { server.stop() }
        let probe = try prober()
        #expect(await probe.grpc(host: "127.0.0.1", port: server.port, service: nil, timeout: .seconds(5)) == .success)
        #expect(
            await probe.grpc(host: "127.0.0.1", port: server.port, service: "berth.Test", timeout: .seconds(5))
                == .success)
        #expect(
            await probe.grpc(host: "127.0.0.1", port: server.port, service: "shop.Nope", timeout: .seconds(5))
                == .failure("service 'shop.Nope' unknown to the health server"))

        try server.set("NOT_SERVING")
        var outcome = ProbeOutcome.success
        for _ in 0..<100 {
            outcome = await probe.grpc(
                host: "127.0.0.1", port: server.port, service: "berth.Test", timeout: .seconds(5))
            if outcome != .success { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(outcome == .failure("NOT_SERVING"))
    }

    @Test func refusedTimeoutAndNotGRPC() async throws {
        let probe = try prober()
        let port = try unusedPort()
        #expect(
            await probe.grpc(host: "127.0.0.1", port: port, service: nil, timeout: .seconds(2))
                == .failure("connection refused"))

        let silent = try TCPListener(reply: nil)
        defer { silent.stop() }
        let start = ContinuousClock.now
        #expect(
            await probe.grpc(host: "127.0.0.1", port: silent.port, service: nil, timeout: .milliseconds(300))
                == .failure("timed out after 300ms"))
        #expect(ContinuousClock.now - start < .seconds(3))

        let http1 = try TCPListener(reply: "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        defer { http1.stop() }
        #expect(
            await probe.grpc(host: "127.0.0.1", port: http1.port, service: nil, timeout: .seconds(2))
                == .failure("not a gRPC answer: the server does not speak HTTP/2"))
        #expect(
            await probe.grpc(host: "127.0.0.1", port: 0, service: nil, timeout: .seconds(1))
                == .failure("invalid port 0"))
    }
}

/// The outside audit (branch audit6) saw berthd, on a loaded machine, explain a `grpc:` probe of Python's
/// `http.server` as "stream closed before a response" (then "connection closed before a response"): the stream and
/// the connection closed before the HTTP/2 error reached the connection's handler. Both closes now report on the
/// next tick, so the error's words win. The order is a race this test does not force (it passes on the old code on
/// a quiet machine); it checks the words against the real server.
@Suite struct GRPCProbeAuditTests {
    @Test func pythonsFileServerIsNamedAsNotSpeakingHTTP2() async throws {
        let launcher = try GRPCProbeTests.launcher.get()
        let probe = Prober(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, launcher: launcher)
        let port = try unusedPort()
        let request = SpawnRequest(
            arguments: ["python3", "-m", "http.server", "--bind", "127.0.0.1", String(port)],
            environment: ProcessInfo.processInfo.environment, workingDirectory: "/", captureOutput: false)
        let pid = try launcher.spawn(request, onOutput: { _ in }, onExit: { _ in })
        defer { _ = launcher.signalGroup(pid, SIGKILL) }
        var outcome = await probe.grpc(host: "127.0.0.1", port: port, service: nil, timeout: .seconds(2))
        for _ in 0..<200 where outcome == .failure("connection refused") {
            try await Task.sleep(for: .milliseconds(50))
            outcome = await probe.grpc(host: "127.0.0.1", port: port, service: nil, timeout: .seconds(2))
        }
        #expect(outcome == .failure("not a gRPC answer: the server does not speak HTTP/2"))
    }
}

/// grpcio's health server on a free loopback port, its status driven by a file; stopped by pid.
final class HealthServer: Sendable {
    static let script: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        return url.path + "/grpc/health_server.py"
    }()

    let port: Int
    let statusFile: String
    private let pid: Int32
    private let launcher: ProcessLauncher

    private init(port: Int, statusFile: String, pid: Int32, launcher: ProcessLauncher) {
        self.port = port
        self.statusFile = statusFile
        self.pid = pid
        self.launcher = launcher
    }

    /// Starts it SERVING and waits (up to 10 s) until it answers.
    static func start(launcher: ProcessLauncher) async throws -> HealthServer {
        let port = try unusedPort()
        let statusFile = NSTemporaryDirectory() + "berth-grpc-status-\(getpid())-\(port)"
        try "SERVING\n".write(toFile: statusFile, atomically: true, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment
        let request = SpawnRequest(
            arguments: ["python3", script, String(port), statusFile], environment: environment,
            workingDirectory: "/", captureOutput: false)
        let pid = try launcher.spawn(request, onOutput: { _ in }, onExit: { _ in })
        let server = HealthServer(port: port, statusFile: statusFile, pid: pid, launcher: launcher)
        let prober = Prober(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, launcher: launcher)
        for _ in 0..<200 {
            if await prober.grpc(host: "127.0.0.1", port: port, service: nil, timeout: .seconds(1)) == .success {
                return server
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw ListenerError()
    }

    func set(_ status: String) throws {
        try (status + "\n").write(toFile: statusFile, atomically: true, encoding: .utf8)
    }

    func stop() {
        _ = launcher.signalGroup(pid, SIGKILL)
        try? FileManager.default.removeItem(atPath: statusFile)
    }
}
