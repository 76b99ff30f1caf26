import BerthGateway
import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// The gateway against real fixture upstreams over real sockets.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GatewayRoutingTests {
    @Test func routesByLongestPrefixAndStripsIt() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(2)
        let gateway = try await RunningGateway(routes: [
            route("/api/a", "a", strip: true),
            route("/api/a/special", "b", strip: false),
        ])
        await gateway.ready("a", ports: [ports[0]])
        await gateway.ready("b", ports: [ports[1]])
        let client = try TestHTTPConnection(port: gateway.port)
        let stripped = try client.get("/api/a/pid")
        #expect(stripped.status == 200)
        #expect(stripped.text == "\(fixtures.pid(port: ports[0]) ?? 0)")
        let longest = try client.get("/api/a/special")
        #expect(longest.status == 404)  // not stripped: the fixture has no /api/a/special
        let none = try client.get("/nothing/here")
        #expect(none.status == 404)
        #expect(none.header("content-type") == "application/json")
        #expect(none.text.contains("\"code\":\"no_route\""))
        #expect(none.text.contains("\"request_id\":\"\(none.header("x-request-id") ?? "?")\""))
        await gateway.stop()
    }

    @Test func removesHopByHopHeadersAndAddsForwardingHeaders() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(1)
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: ports)
        let client = try TestHTTPConnection(port: gateway.port)
        try client.send(
            "GET /headers HTTP/1.1\r\nHost: shop.example\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
                + "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nX-Forwarded-For: 10.1.2.3\r\n"
                + "X-Request-Id: abc-123\r\n\r\n"
        )
        let response = try client.readResponse()
        let seen = response.text.lowercased()
        #expect(response.status == 200)
        #expect(seen.contains("host: shop.example"))
        #expect(!seen.contains("x-secret"))
        #expect(!seen.contains("keep-alive: timeout"))
        #expect(!seen.contains("proxy-connection"))
        // The client is not in `trust_forwarded`: its X-Forwarded-For is replaced (GatewayForwardingTests).
        #expect(seen.contains("x-forwarded-for: 127.0.0.1\n"))
        #expect(!seen.contains("10.1.2.3"))
        #expect(seen.contains("x-forwarded-proto: http"))
        #expect(seen.contains("x-forwarded-host: shop.example"))
        #expect(seen.contains("x-request-id: abc-123"))
        #expect(response.header("x-request-id") == "abc-123")
        let generated = try client.get("/headers")
        let id = try #require(generated.header("x-request-id"))
        #expect(generated.text.lowercased().contains("x-request-id: \(id)"))
        await gateway.stop()
    }

    @Test func spreadsRequestsOverEveryReadyReplicaAndReusesConnections() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(3)
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: ports)
        var pids: [String: Int] = [:]
        let client = try TestHTTPConnection(port: gateway.port)
        for _ in 0..<300 {
            let response = try client.get("/pid")
            #expect(response.status == 200)
            pids[response.text, default: 0] += 1
        }
        #expect(pids.count == 3)
        #expect(pids.values.allSatisfy { $0 >= 50 })
        // Sequential requests on one client connection need one upstream connection per replica at most.
        let statuses = load(port: gateway.port, path: "/pid", clients: 4, requests: 100)
        #expect(statuses.allSatisfy { $0.status == 200 })
        await gateway.stop()
    }

    @Test func answers503WhenNoReplicaIsReadyAndWaitsWhileOneIsStarting() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(1)
        let gateway = try await RunningGateway(routes: [route("/", "web")]) { $0.queueTimeout = .seconds(3) }
        let client = try TestHTTPConnection(port: gateway.port)
        let refused = try client.get("/pid")
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") == "1")
        gateway.gateway.setStarting(service: "web", true)
        usleep(20_000)
        let started = Date()
        let port = gateway.port
        async let waiting = onThread { try TestHTTPConnection(port: port).get("/pid").status }
        try await Task.sleep(for: .milliseconds(300))
        await gateway.ready("web", ports: ports)
        #expect(try await waiting == 200)
        #expect(Date().timeIntervalSince(started) >= 0.25)
        await gateway.stop()
    }

    @Test func retriesOnAnotherReplicaWhenOneIsGone() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(2)
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: ports + [freePort()])  // replica 2 listens nowhere: connect fails
        let statuses = load(port: gateway.port, path: "/pid", clients: 4, requests: 50)
        #expect(statuses.allSatisfy { $0.status == 200 })
        fixtures.kill(port: ports[0])
        let after = load(port: gateway.port, path: "/pid", clients: 4, requests: 50)
        #expect(after.allSatisfy { $0.status == 200 })
        await gateway.stop()
    }

    @Test func anUpstreamThatHangsUpOrAnswersGarbageGets502() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(1)
        let gateway = try await RunningGateway(routes: [route("/", "web")]) { $0.retries = 0 }
        await gateway.ready("web", ports: ports)
        let client = try TestHTTPConnection(port: gateway.port)
        #expect(try client.get("/garbage").status == 502)
        let other = try TestHTTPConnection(port: gateway.port)
        #expect(try other.get("/close").status == 502)
        #expect(try TestHTTPConnection(port: gateway.port).get("/pid").status == 200)
        await gateway.stop()
    }

    /// Regression: a garbage answer was counted twice, the second time as a success, which reset the replica's
    /// failures in a row: passive health never ejected a replica that answers garbage.
    @Test func badResponsesInARowEjectTheReplicaAndAreReported() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(2)
        let gateway = try await RunningGateway(routes: [route("/", "web")]) {
            $0.retries = 0
            $0.balance = .roundRobin
        }
        let reports = Mutex<[GatewayFailureReport]>([])
        gateway.gateway.onFailures { report in reports.withLock { $0.append(report) } }
        let ejections = Mutex<[String]>([])
        gateway.gateway.onEjections { service, replica in ejections.withLock { $0.append("\(service).\(replica)") } }
        await gateway.ready("web", ports: ports)
        let client = try TestHTTPConnection(port: gateway.port)
        _ = try client.get("/pid")  // Round robin: the next request goes to the other replica.
        for _ in 0..<3 { #expect(try TestHTTPConnection(port: gateway.port).get("/garbage").status == 502) }
        let traffic = await gateway.gateway.traffic()
        let ejected = traffic["web"]?.filter { $0.value.ejectedFor != nil }.map(\.key) ?? []
        let failures = reports.withLock { $0 }
        #expect(failures.map(\.consecutive).sorted() == [1, 1, 2], "\(failures)")
        #expect(failures.allSatisfy { $0.outcome == .badResponse && $0.generation == 1 })
        // Round robin over two replicas: two and one failures in a row, below the ejection threshold of 3. Four
        // more requests alternate again: the replica that had two reaches three and is ejected.
        #expect(ejected.isEmpty)
        let victim = try #require(failures.first { $0.consecutive == 2 }?.replica)
        for _ in 0..<4 { _ = try TestHTTPConnection(port: gateway.port).get("/garbage") }
        let after = await gateway.gateway.traffic()
        #expect(after["web"]?[victim]?.ejectedFor != nil, "\(after)")
        #expect(ejections.withLock { $0 } == ["web.\(victim)"])
        await gateway.stop()
    }

    @Test func eachRouteKeepsPerSecondCountsErrorsAndLatencyForTheDashboard() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(1)
        let gateway = try await RunningGateway(routes: [route("/api", "web", strip: false), route("/", "web")]) {
            $0.retries = 0
        }
        await gateway.ready("web", ports: ports)
        for _ in 0..<5 { #expect(try TestHTTPConnection(port: gateway.port).get("/pid").status == 200) }
        for _ in 0..<2 { #expect(try TestHTTPConnection(port: gateway.port).get("/garbage").status == 502) }
        // Only complete seconds are reported: wait for the current one to end.
        try await Task.sleep(for: .milliseconds(1100))
        let series = await gateway.gateway.routeTraffic(lastSeconds: 5)
        #expect(series.map(\.route) == ["/api", "/"])
        #expect(series.allSatisfy { $0.seconds.count == 5 && $0.service == "web" })
        let root = try #require(series.last)
        #expect(root.seconds.map(\.requests).reduce(0, +) == 7)
        #expect(root.seconds.map(\.errors).reduce(0, +) == 2)
        #expect(root.seconds.contains { ($0.p99 ?? 0) > 0 })
        #expect(series[0].seconds.allSatisfy { $0.requests == 0 && $0.p50 == nil })
        // Wall-clock seconds, consecutive, ending before now.
        let now = Int64(Date().timeIntervalSince1970)
        #expect(root.seconds.map(\.second) == Array((root.seconds[0].second)...(root.seconds[0].second + 4)))
        #expect(root.seconds.last!.second < now + 1 && root.seconds.last!.second >= now - 3)
        await gateway.stop()
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct GatewayProtocolTests {
    @Test func passesExpectContinueThrough() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: try fixtures.start(1))
        let port = gateway.port
        let echoed = try await onThread { () throws -> (Int, String) in
            let client = try TestHTTPConnection(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            let interim = try client.readResponse()
            try client.send("hello")
            let final = try client.readResponse(method: "POST")
            return (interim.status, "\(final.status) \(final.text)")
        }
        #expect(echoed.0 == 100)
        #expect(echoed.1 == "200 hello")
        await gateway.stop()
    }

    @Test func tunnelsAnUpgradedConnection() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: try fixtures.start(1))
        let port = gateway.port
        let answer = try await onThread { () throws -> (Int, String) in
            let client = try TestHTTPConnection(port: port)
            try client.send("GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
            let switched = try client.readResponse()
            try client.send("ping over the tunnel")
            var bytes = [UInt8](repeating: 0, count: 64)
            let got = recv(client.fd, &bytes, bytes.count, 0)
            return (switched.status, String(decoding: bytes[0..<max(0, got)], as: UTF8.self))
        }
        #expect(answer.0 == 101)
        #expect(answer.1 == "ping over the tunnel")
        await gateway.stop()
    }
}
