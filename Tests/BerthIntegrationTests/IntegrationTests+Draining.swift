import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14, long-lived exchanges: on `berth restart` (and any drain: rollout, scale-down, `berth down`) a replica's
/// WebSocket tunnels, streaming responses and long polls are given until the service's stop timeout before it is
/// signalled. The replica is Tests/fixtures/websocket/server.py: no SIGTERM handler, so a signal cuts everything.
extension IntegrationTests {
    static let websocketFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/websocket/server.py").path

    private func writeDrainManifest(_ project: TestProject, port: Int, stopTimeout: String) throws {
        try project.write(
            """
            name: \(project.name)
            gateway:
              listen: 127.0.0.1:\(port)
              access_log: false
              routes:
                - { path: /, service: ws }
            services:
              ws:
                command: [python3, \(Self.websocketFixture)]
                port: auto
                ready: { http: /healthz, interval: 100ms }
                stop: { timeout: \(stopTimeout) }
            """, to: project.manifestPath)
    }

    @Test("draining: berth restart keeps a WebSocket open until its client closes it (server without SIGTERM handler)")
    func restartWaitsForAnOpenWebSocket() async throws {
        try await withProject("drainws") { project in
            let port = freePort()
            try writeDrainManifest(project, port: port, stopTimeout: "20s")
            #expect(try await project.upDetached().exitCode == 0)
            let oldPID = try await project.firstPID("ws")
            let socket = try await onThread { try WebSocketClient(port: port) }
            #expect(try await onThread { try socket.echo("before") })

            let started = ContinuousClock.now
            let restart = try project.start(try Binaries.berth, ["restart", "ws", "--timeout", "60s"])
            _ = try await project.waitForStatus("ws.0 draining") { status in
                status.replicas("ws").contains { $0.pid == oldPID && $0.state == .draining }
            }
            // The replacement serves new requests while the old process keeps its tunnel.
            try await Task.sleep(for: .seconds(2))
            let newPID = try await onThread { try TestHTTPConnection(port: port).get("/pid").text }
            #expect(newPID != "\(oldPID)")
            #expect(try await onThread { try socket.echo("during the drain") }, "the tunnel still works")
            #expect(restart.isRunning, "the restart waits for the tunnel")
            #expect(kill(oldPID, 0) == 0, "the old process was not signalled")

            // The client ends the conversation: a clean close from the server (1000), not a cut (1006).
            #expect(try await onThread { try socket.close() }.contains("normal closure by server"))
            let result = await restart.wait(timeout: .seconds(30))
            #expect(result.exitCode == 0, "\(result)")
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(15), "the drain ended with the tunnel, not at the stop timeout: \(elapsed)")
        }
    }

    @Test("draining: a WebSocket that outlives the stop timeout is cut only once it has passed")
    func aTunnelIsBoundedByTheStopTimeout() async throws {
        try await withProject("drainwsbound") { project in
            let port = freePort()
            try writeDrainManifest(project, port: port, stopTimeout: "3s")
            #expect(try await project.upDetached().exitCode == 0)
            let socket = try await onThread { try WebSocketClient(port: port) }
            #expect(try await onThread { try socket.echo("before") })
            let started = ContinuousClock.now
            let restart = try project.start(try Binaries.berth, ["restart", "ws", "--timeout", "60s"])
            // Still open after 2 s of draining, well into the 3 s stop timeout.
            try await Task.sleep(for: .seconds(2))
            #expect(try await onThread { try socket.echo("within the stop timeout") })
            // Then the drain gives up, the replica is signalled and dies, and the tunnel with it.
            #expect(try await onThread { socket.isClosed(within: 10) })
            let cutAfter = ContinuousClock.now - started
            #expect(cutAfter >= .seconds(3), "not before the stop timeout: \(cutAfter)")
            #expect(cutAfter < .seconds(9), "soon after it: \(cutAfter)")
            let result = await restart.wait(timeout: .seconds(30))
            #expect(result.exitCode == 0, "\(result)")
        }
    }

    @Test("draining: a streaming response and a long poll in flight complete during berth restart")
    func restartLetsStreamsAndLongPollsFinish() async throws {
        try await withProject("drainstream") { project in
            let port = freePort()
            try writeDrainManifest(project, port: port, stopTimeout: "20s")
            #expect(try await project.upDetached().exitCode == 0)
            let stream = Task { try await onThread { try TestHTTPConnection(port: port).get("/stream?seconds=4") } }
            let poll = Task { try await onThread { try TestHTTPConnection(port: port).get("/poll?ms=4000") } }
            try await Task.sleep(for: .milliseconds(500))
            let restart = try await project.berth(["restart", "ws", "--timeout", "60s"], timeout: .seconds(60))
            #expect(restart.exitCode == 0, "\(restart)")
            let streamed = try await stream.value
            #expect(streamed.status == 200)
            #expect(streamed.text.hasSuffix("tick 39\ndone\n"), "the whole stream: \(streamed.text.suffix(40))")
            let polled = try await poll.value
            #expect(polled.status == 200)
            #expect(polled.text == "polled")
        }
    }
}

/// A minimal WebSocket client over a raw socket (text frames, masked as a client must; close with code 1000).
private final class WebSocketClient: @unchecked Sendable {
    let connection: TestHTTPConnection

    init(port: Int) throws {
        connection = try TestHTTPConnection(port: port, timeoutSeconds: 10)
        try connection.send(
            "GET /ws HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let response = try connection.readResponse()
        guard response.status == 101 else {
            throw TestHTTPConnection.Failure(description: "no upgrade: \(response.status) \(response.text)")
        }
    }

    /// Sends `text` and reads it back.
    func echo(_ text: String) throws -> Bool {
        try connection.send(Self.frame(opcode: 0x1, Array(text.utf8)))
        return try connection.read(through: text).hasSuffix(text)
    }

    /// Sends a close frame (1000) and reads the server's close frame, returned as text.
    func close() throws -> String {
        try connection.send(Self.frame(opcode: 0x8, [0x03, 0xE8]))
        return try connection.read(through: "normal closure by server")
    }

    func isClosed(within seconds: Int) -> Bool { connection.isClosedByPeer(within: seconds) }

    static func frame(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let mask: [UInt8] = [0x1F, 0x2E, 0x3D, 0x4C]
        let masked = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return [0x80 | opcode, 0x80 | UInt8(payload.count)] + mask + masked
    }
}
