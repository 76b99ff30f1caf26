import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A client that stops reading, and a route's deadline for the whole exchange, against real sockets.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GatewaySendTimeoutTests {
    /// The 64 MiB-to-a-stalled-client case of issue #14, smaller: a single-threaded replica sends 16 MiB to a
    /// client that never reads. Without `send_timeout` the replica stays blocked in its send (the gateway stops
    /// reading it, backpressure) and no other request is ever served; with it, both connections close after the
    /// timeout and the replica serves the next request.
    @Test func aStalledClientReleasesItsReplicaAfterTheSendTimeout() async throws {
        let big =
            Array("HTTP/1.1 200 OK\r\nContent-Length: \(16 << 20)\r\n\r\n".utf8)
            + [UInt8](repeating: UInt8(ascii: "x"), count: 16 << 20)
        let upstream = try ScriptedUpstream { line in
            line.hasPrefix("GET /big ") ? big : Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
        }
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) { $0.sendTimeout = .seconds(1) }
        await gateway.ready("web", ports: [upstream.port])
        let stalled = try StalledClient(port: gateway.port, request: "GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
        let started = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(200))
        #expect(upstream.requests == ["GET /big HTTP/1.1"])
        // Served once the replica is free again: after the send timeout, not never. "Never" is the client's 30 s
        // receive timeout (the GET throws): no tighter bound, as a loaded CI machine took 5.4 and 7.4 s to fill the
        // buffers between replica, gateway and client before the 1 s without progress began (the old bound was 5 s).
        let port = gateway.port
        let next = try await onThread { () throws -> Int in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 30)
            return try client.get("/small").status
        }
        let elapsed = ContinuousClock.now - started
        #expect(next == 200)
        #expect(elapsed >= .milliseconds(900), "\(elapsed)")
        #expect(upstream.requests == ["GET /big HTTP/1.1", "GET /small HTTP/1.1"])
        let closed = try await onThread { stalled.isClosedByPeer() }
        #expect(closed)
        await gateway.stop()
    }

    /// A client that reads slowly but steadily is not cut.
    @Test func aSlowButReadingClientIsServedWhole() async throws {
        let size = 2 << 20
        let body =
            Array("HTTP/1.1 200 OK\r\nContent-Length: \(size)\r\n\r\n".utf8)
            + [UInt8](repeating: UInt8(ascii: "y"), count: size)
        let upstream = try ScriptedUpstream { _ in body }
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) { $0.sendTimeout = .milliseconds(500) }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let received = try await onThread { () throws -> Int in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            try client.send("GET /slow HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            var total = 0
            var chunk = [UInt8](repeating: 0, count: 256 << 10)
            let started = Date()
            while Date().timeIntervalSince(started) < 10 {
                let got = recv(client.fd, &chunk, chunk.count, 0)
                if got <= 0 { break }
                total += got
                usleep(100_000)  // 2.5 MiB/s: slower than the gateway can send, never stalled for 500 ms
            }
            return total
        }
        #expect(received > size, "\(received) bytes")
        await gateway.stop()
    }

    /// A route's `deadline` bounds the whole exchange: 504 before the response starts.
    @Test func aRouteDeadlineAnswers504() async throws {
        let upstream = try RecordingUpstream(answering: false)
        defer { upstream.stop() }
        var slow = route("/", "web")
        slow.deadline = .milliseconds(400)
        let gateway = try await RunningGateway(routes: [slow]) { $0.upstreamTimeout = .seconds(30) }
        await gateway.ready("web", ports: [upstream.port])
        let started = ContinuousClock.now
        let port = gateway.port
        let response = try await onThread { try TestHTTPConnection(port: port).get("/wait") }
        #expect(response.status == 504)
        // Well before the upstream timeout (30 s) that applies without the deadline; 2 s was tight under load.
        #expect(ContinuousClock.now - started < .seconds(10))
        await gateway.stop()
    }
}
