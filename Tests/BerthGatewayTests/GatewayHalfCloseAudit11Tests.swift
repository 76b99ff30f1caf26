import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// audit11, through a real gateway on loopback: a client that shuts its sending side after its requests
/// (`shutdown(SHUT_WR)`, as `nc -N` and some health checkers do) and then reads got no answer at all (the gateway
/// closed on its end of file) unless the replica happened to answer first; HAProxy answers it. Now every request it
/// sent whole is answered, then the connection closes; an unfinished one still ends at once.
@Suite(.serialized) struct GatewayHalfCloseAudit11Tests {
    @Test func aClientThatHalfClosesAfterItsRequestsGetsEveryAnswer() async throws {
        // The replica answers after the end of file reached the gateway: no race decides the outcome.
        let upstream = try ScriptedUpstream { line in
            usleep(200_000)
            let body = line.hasPrefix("GET /first ") ? "first" : "second"
            return Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        }
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let (bodies, closed) = try await onThread { () throws -> ([String], Bool) in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            try client.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\nGET /second HTTP/1.1\r\nHost: h\r\n\r\n")
            shutdown(client.fd, Int32(SHUT_WR))
            let first = try client.readResponse()
            let second = try client.readResponse()
            let bodies = [first, second].map { "\($0.status) " + String(decoding: $0.body, as: UTF8.self) }
            return (bodies, client.isClosedByPeer(within: 5))
        }
        #expect(bodies == ["200 first", "200 second"])
        #expect(closed, "the connection closes after the last answer")
        #expect(upstream.requests == ["GET /first HTTP/1.1", "GET /second HTTP/1.1"])
        await gateway.stop()
    }

    @Test func aHalfCloseInsideAHeadOrABodyEndsTheConnectionAtOnce() async throws {
        let upstream = try RecordingUpstream(answering: false)
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        // A partial head: closed well before `header_timeout` (10 s), nothing forwarded.
        let headClosed = try await onThread { () throws -> Bool in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            try client.send("GET /partial HTTP/1.1\r\nHost: h\r\n")
            shutdown(client.fd, Int32(SHUT_WR))
            return client.isClosedByPeer(within: 2)
        }
        #expect(headClosed)
        #expect(upstream.bytes.isEmpty)
        // A body that can no longer arrive: the client's connection and the replica's are closed at once.
        let bodyClosed = try await onThread { () throws -> Bool in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            try client.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab")
            // The replica has the head and waits for the body's other 8 bytes when the client stops sending.
            let deadline = Date() + 5
            while upstream.bytes.count < 2 || upstream.bytes.suffix(2) != Array("ab".utf8), Date() < deadline {
                usleep(10_000)
            }
            shutdown(client.fd, Int32(SHUT_WR))
            return client.isClosedByPeer(within: 2)
        }
        #expect(bodyClosed)
        let deadline = ContinuousClock.now + .seconds(2)
        while upstream.closedByGateway < 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(upstream.closedByGateway == 1, "the replica is not held for the body")
        await gateway.stop()
    }
}
