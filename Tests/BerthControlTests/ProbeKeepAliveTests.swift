import BerthProcess
import NIOPosix
import Testing

@testable import BerthProbes

#if canImport(Glibc)
    import Glibc
#endif

/// HTTP probes on a kept-alive connection, against a real server on loopback: the connection is reused, a server
/// that closes it costs a reconnect and no failure, and a replica that stops accepting is still caught.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ProbeKeepAliveTests {
    private static let launcher = Result { try ProcessLauncher() }

    private func prober() throws -> Prober {
        Prober(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, launcher: try Self.launcher.get())
    }

    private func probe(
        _ prober: Prober, _ server: KeepAliveServer, keepAlive: Bool = true, timeout: Duration = .seconds(5)
    ) async -> ProbeOutcome {
        await withCheckedContinuation { continuation in
            prober.startHTTP(
                host: "127.0.0.1", port: server.port, path: "/health", timeout: timeout, keepAlive: keepAlive
            ) { continuation.resume(returning: $0) }
        }
    }

    @Test func probesReuseOneConnection() async throws {
        let server = try KeepAliveServer()
        defer { server.stop() }
        let prober = try prober()
        for _ in 0..<5 { #expect(await probe(prober, server) == .success) }
        #expect(server.accepted == 1)
        #expect(server.requests.count == 5)
        #expect(server.requests.allSatisfy { $0.hasPrefix("GET /health HTTP/1.1\r\n") && !$0.contains("Connection:") })
        #expect(prober.keptConnections == 1)
    }

    @Test func keepaliveFalseOpensAConnectionPerProbe() async throws {
        let server = try KeepAliveServer()
        defer { server.stop() }
        let prober = try prober()
        for _ in 0..<3 { #expect(await probe(prober, server, keepAlive: false) == .success) }
        #expect(server.accepted == 3)
        #expect(server.requests.allSatisfy { $0.contains("Connection: close\r\n") })
        #expect(prober.keptConnections == 0)
    }

    @Test func aServerThatAnswersConnectionCloseOrHTTP10GetsANewConnectionEachTime() async throws {
        for mode in [KeepAliveServer.Mode.close, .http10] {
            let server = try KeepAliveServer(mode: mode)
            defer { server.stop() }
            let prober = try prober()
            for _ in 0..<3 { #expect(await probe(prober, server) == .success, "\(mode)") }
            #expect(server.accepted == 3, "\(mode)")
            #expect(prober.keptConnections == 0, "\(mode)")
        }
    }

    /// The server closed the kept connection while it was idle (its keep-alive timeout, a restart on the same port):
    /// the next probe reconnects and succeeds; that is not the replica's failure.
    @Test func aConnectionTheServerClosedWhileIdleReconnectsWithoutAFailure() async throws {
        let server = try KeepAliveServer()
        defer { server.stop() }
        let prober = try prober()
        #expect(await probe(prober, server) == .success)
        await server.closeIdleConnections()
        #expect(await probe(prober, server) == .success)
        #expect(await probe(prober, server) == .success)
        #expect(server.accepted == 2)
    }

    /// An idle kept connection stays watched in the loop between probes: one its server closes is dropped at once,
    /// before any probe needs it (the old pool left it closed but kept until the next probe tried it).
    @Test func aConnectionTheServerClosesWhileIdleIsDroppedWithoutAProbe() async throws {
        let server = try KeepAliveServer()
        defer { server.stop() }
        let prober = try prober()
        #expect(await probe(prober, server) == .success)
        #expect(prober.keptConnections == 1)
        await server.closeIdleConnections()
        for _ in 0..<200 where prober.keptConnections > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(prober.keptConnections == 0)
        #expect(await probe(prober, server) == .success)
        #expect(server.accepted == 2)
        #expect(prober.keptConnections == 1)
    }

    @Test func everyTenthProbeOpensANewConnection() async throws {
        let server = try KeepAliveServer()
        defer { server.stop() }
        let prober = try prober()
        for _ in 0..<20 { #expect(await probe(prober, server) == .success) }
        // The 1st, the 10th and the 20th.
        #expect(server.accepted == 3)
        #expect(prober.keptConnections == 1)
    }

    /// A kept connection the prober lets go of (every 10th probe opens a new one) ends with a FIN: its server is
    /// waiting for the next request, and a reset there is an error it may log (Python's `http.server` prints a
    /// traceback for each, which filled a replica's log every second).
    @Test func keptConnectionsAreClosedWithoutAReset() async throws {
        let server = try KeepAliveServer()
        defer { server.stop() }
        let prober = try prober()
        for _ in 0..<25 { #expect(await probe(prober, server) == .success) }
        #expect(server.accepted == 3)
        // The server sees the two connections that were let go end.
        for _ in 0..<100 where server.ended < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.ended == 2)
        #expect(server.resets == 0)
    }

    /// A replica that stops accepting (its accept queue full) keeps answering on the kept connection, so the fresh
    /// connection of the 10th probe is what catches it; from then on every probe tries a new connection, so the
    /// failures are consecutive and reach any failure threshold.
    @Test func aReplicaThatStopsAcceptingIsCaught() async throws {
        let server = try KeepAliveServer(backlog: 1)
        defer { server.stop() }
        let prober = try prober()
        #expect(await probe(prober, server) == .success)
        await server.stopAccepting()
        let fillers = await fillAcceptQueue(port: server.port)
        defer { fillers.forEach { close($0) } }
        var outcomes: [ProbeOutcome] = []
        for _ in 2...13 { outcomes.append(await probe(prober, server, timeout: .milliseconds(300))) }
        #expect(outcomes[0..<8].allSatisfy { $0 == .success }, "probes 2-9 ride the kept connection: \(outcomes)")
        #expect(outcomes[8...].allSatisfy { $0 == .failure("timed out after 300ms") }, "\(outcomes)")
    }

    /// A replica that stops answering (SIGSTOP, a deadlock) times out on the kept connection; the connection is
    /// dropped, and the next probe opens a new one.
    @Test func aReplicaThatStopsAnsweringTimesOutAndTheConnectionIsDropped() async throws {
        let server = try KeepAliveServer()
        defer { server.stop() }
        let prober = try prober()
        #expect(await probe(prober, server) == .success)
        await server.stopAnswering()
        #expect(await probe(prober, server, timeout: .milliseconds(200)) == .failure("timed out after 200ms"))
        #expect(prober.keptConnections == 0)
        #expect(await probe(prober, server, timeout: .milliseconds(200)) == .failure("timed out after 200ms"))
        #expect(server.accepted == 2)
    }

    @Test func aFailedStatusDropsTheConnection() async throws {
        let listener = try TCPListener(reply: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
        defer { listener.stop() }
        let prober = try prober()
        let outcome = await withCheckedContinuation { continuation in
            prober.startHTTP(host: "127.0.0.1", port: listener.port, path: "/", timeout: .seconds(5), keepAlive: true) {
                continuation.resume(returning: $0)
            }
        }
        #expect(outcome == .failure("HTTP 503"))
        try await Task.sleep(for: .milliseconds(50))
        #expect(prober.keptConnections == 0)
    }

    /// Non-blocking connects that fill a listener's accept queue (a backlog of 1 holds two).
    private func fillAcceptQueue(port: Int) async -> [Int32] {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        var descriptors: [Int32] = []
        for _ in 0..<4 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            descriptors.append(fd)
            try? await Task.sleep(for: .milliseconds(20))
        }
        return descriptors
    }
}
