import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

@testable import BerthGateway

/// A closed client connection must leave nothing behind: berthd grew ~0.2 kB per connection under a churn of
/// `Connection: close` requests (issue 14). Each client connection's handler is watched through a weak reference
/// while it serves a request over a real loopback socket, and must be freed once the connection closed, whichever
/// side closed it.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GatewayConnectionLifetimeTests {
    /// A reference that does not keep its object alive.
    final class WeakBox: @unchecked Sendable {
        weak var object: AnyObject?
        init(_ object: AnyObject) { self.object = object }
    }

    @Test func closedClientConnectionsFreeTheirHandlers() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: try fixtures.start(1))
        // Half the clients ask for `Connection: close` (the gateway closes, lingering), half close their socket
        // after a keep-alive response (the gateway sees end of file); one is refused before routing (400).
        let count = 8
        var clients: [TestHTTPConnection]? = []
        for index in 0..<count {
            let client = try TestHTTPConnection(port: gateway.port)
            let close = index % 2 == 0 ? "Connection: close\r\n" : ""
            try client.send("GET / HTTP/1.1\r\nHost: test\r\n\(close)\r\n")
            #expect(try client.readResponse().status == 200)
            clients?.append(client)
        }
        var refused: TestHTTPConnection? = try TestHTTPConnection(port: gateway.port)
        try refused?.send("GET /bad\0 HTTP/1.1\r\nHost: test\r\n\r\n")
        let loop = gateway.gateway.state
        let handlers = try await loop.eventLoop.submit { loop.clients.values.map { WeakBox($0) } }.get()
        #expect(handlers.count >= count && clients?.count == count && refused != nil)
        // The test's sockets close here (deinit); the gateway's lingering close lasts at most a second.
        clients = nil
        refused = nil
        let deadline = ContinuousClock.now + .seconds(10)
        var alive = handlers.filter { $0.object != nil }.count
        while alive > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            alive = handlers.filter { $0.object != nil }.count
        }
        #expect(alive == 0, "\(alive) of \(handlers.count) closed client connections' handlers are still alive")
        let registered = try await loop.eventLoop.submit { loop.clients.count }.get()
        #expect(registered == 0)
        await gateway.stop()
    }
}
