import BerthAdmin
import BerthControlProtocol
import BerthTestSupport
import Logging
import Prometheus
import Synchronization
import Testing

/// The dashboard through the admin listener over a real loopback socket, with a backend that records what it is
/// asked (the real daemon behind it is exercised by Tests/browser/test_dashboard.py).
@Suite(.serialized, .timeLimit(.minutes(1))) struct DashboardServerTests {
    final class RecordingBackend: DashboardBackend {
        let performed = Mutex<[ControlCommand]>([])
        let stream = AsyncStream<DaemonEvent>.makeStream()

        func status() async -> StatusResponse {
            StatusResponse(
                project: "demo", daemonPID: 1, manifest: "/srv/berth.yaml",
                services: [
                    ServiceStatus(
                        name: "web", desired: 1,
                        replicas: [
                            ReplicaStatus(
                                index: 0, pid: 4242, port: 8081, state: .running, ready: true, restarts: 0,
                                uptimeSeconds: 3)
                        ])
                ])
        }

        func routeHistory(seconds: Int) async -> [[RoutePoint]] {
            [[RoutePoint(route: "/", service: "web", second: 1000, requests: 7, errors: 1, p50: 1.1, p99: 4.5)]]
        }

        func events(tail: Int) -> AsyncStream<DaemonEvent> { stream.stream }

        func recentEvents(_ count: Int) -> [DaemonEvent] {
            [DaemonEvent(sequence: 1, time: 1, kind: .replica, service: "web", replica: 0, message: "ready (pid 4242)")]
        }

        func logs(_ query: LogQuery) async throws(ControlAPIError) -> AsyncStream<LogEntry> {
            AsyncStream { continuation in
                continuation.yield(LogEntry(service: "web", replica: 0, stream: .stdout, time: 1, line: "hello"))
            }
        }

        func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse {
            performed.withLock { $0.append(command) }
            return OperationResponse(ok: true, message: "done")
        }
    }

    /// A GET with exactly one Host header (TestHTTPConnection.get sends its own), and the session cookie if any.
    static func get(
        _ connection: TestHTTPConnection, _ path: String, host: String, cookie: String? = nil
    ) throws -> TestHTTPConnection.Response {
        try connection.send("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\(cookie.map { "Cookie: \($0)\r\n" } ?? "")\r\n")
        return try connection.readResponse()
    }

    /// Logs in with a fresh one-time code as `berth dashboard`'s link does; the `name=value` of the session cookie.
    static func logIn(_ sessions: AdminSessions, port: Int) throws -> String {
        let connection = try TestHTTPConnection(port: port)
        let answer = try get(connection, "/login?code=\(sessions.issueCode())", host: "127.0.0.1:\(port)")
        guard answer.status == 303, let cookie = answer.header("set-cookie")?.split(separator: ";").first else {
            throw TestHTTPConnection.Failure(description: "login: \(answer.status) \(answer.text)")
        }
        return String(cookie)
    }

    @Test func servesThePageDataStreamsAndGuardedActions() async throws {
        let backend = RecordingBackend()
        let port = freePort()
        let sessions = AdminSessions()
        let server = AdminServer(
            configuration: AdminConfiguration(host: "127.0.0.1", port: port, token: "token-0123456789abcdef"),
            registry: PrometheusCollectorRegistry(),
            dashboard: Dashboard(backend: backend, project: "demo", csrfToken: "csrf-0123"), sessions: sessions,
            logger: Logger(label: "test"))
        let task = Task { try await server.run() }
        defer { task.cancel() }
        // Waiting on a thread of its own: blocking the cooperative pool (2 threads here) would starve the server.
        #expect(try await onThread { waitForListener(port) })
        let host = "127.0.0.1:\(port)"
        let cookie = try await onThread { try Self.logIn(sessions, port: port) }
        let answers = try await onThread {
            let connection = try TestHTTPConnection(port: port)
            let page = try Self.get(connection, "/", host: host, cookie: cookie)
            let script = try Self.get(connection, "/assets/dashboard.js", host: host, cookie: cookie)
            let state = try Self.get(connection, "/api/state", host: host, cookie: cookie)
            let rebound = try Self.get(connection, "/api/state", host: "evil.example", cookie: cookie)
            let restartBody = "{}"
            try connection.send(
                "POST /api/services/web/restart HTTP/1.1\r\nHost: \(host)\r\nOrigin: http://\(host)\r\n"
                    + "Cookie: \(cookie)\r\n"
                    + "X-Berth-CSRF: csrf-0123\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(restartBody.utf8.count)\r\n\r\n\(restartBody)")
            let restart = try connection.readResponse()
            try connection.send(
                "POST /api/services/web/stop HTTP/1.1\r\nHost: \(host)\r\nOrigin: http://evil.example\r\n"
                    + "Cookie: \(cookie)\r\n"
                    + "X-Berth-CSRF: csrf-0123\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            let crossOrigin = try connection.readResponse()
            return (page, script, state, rebound, restart, crossOrigin)
        }
        #expect(answers.0.status == 200)
        #expect(answers.0.text.contains(#"<meta name="berth-csrf" content="csrf-0123">"#))
        #expect(answers.0.header("content-security-policy")?.contains("frame-ancestors 'none'") == true)
        #expect(answers.1.header("content-type") == "text/javascript; charset=utf-8")
        #expect(answers.2.status == 200)
        #expect(answers.2.text.contains(#""requests":7"#) && answers.2.text.contains(#""window_s":300"#))
        #expect(answers.2.text.contains(#""message":"ready (pid 4242)""#))
        #expect(answers.3.status == 403)
        #expect(answers.4.status == 200 && answers.4.text.contains(#""message":"done""#))
        #expect(answers.5.status == 403)
        #expect(
            backend.performed.withLock { $0 } == [
                .restart(service: "web", timeoutMilliseconds: DashboardRouter.operationTimeoutMilliseconds)
            ])

        // The event stream: a snapshot first, then each event with the status after it.
        let streamed = try await onThread { () -> (String, String) in
            let connection = try TestHTTPConnection(port: port)
            try connection.send("GET /api/events HTTP/1.1\r\nHost: \(host)\r\nCookie: \(cookie)\r\n\r\n")
            let snapshot = try connection.read(through: "\n\n")
            backend.stream.continuation.yield(
                DaemonEvent(sequence: 2, time: 2, kind: .replica, service: "web", replica: 0, message: "stopping"))
            let update = try connection.read(through: "\n\n")
            return (snapshot, update)
        }
        #expect(streamed.0.lowercased().contains("content-type: text/event-stream"))
        #expect(streamed.0.contains("event: snapshot\ndata: {"))
        #expect(streamed.1.contains("event: update\ndata: {"))
        #expect(streamed.1.contains(#""message":"stopping""#) && streamed.1.contains(#""pid":4242"#))

        let logs = try await onThread {
            let connection = try TestHTTPConnection(port: port)
            try connection.send(
                "GET /api/logs?service=web&replica=0 HTTP/1.1\r\nHost: \(host)\r\nCookie: \(cookie)\r\n\r\n")
            return try connection.read(through: "\n\n")
        }
        #expect(logs.contains("event: log\ndata: {") && logs.contains(#""line":"hello""#))
    }

    /// Issue #13, finding 1: without a credential nothing is served (not the page, which holds the CSRF token); a
    /// `berth dashboard` code opens a cookie session once, and leaves the address bar at once (303 to /).
    @Test func theLoginLinkOpensASessionOnceAndNothingIsServedWithoutOne() async throws {
        let backend = RecordingBackend()
        let port = freePort()
        let sessions = AdminSessions()
        let server = AdminServer(
            configuration: AdminConfiguration(host: "127.0.0.1", port: port, token: "token-0123456789abcdef"),
            registry: PrometheusCollectorRegistry(),
            dashboard: Dashboard(backend: backend, project: "demo", csrfToken: "csrf-0123"), sessions: sessions,
            logger: Logger(label: "test"))
        let task = Task { try await server.run() }
        defer { task.cancel() }
        #expect(try await onThread { waitForListener(port) })
        let host = "127.0.0.1:\(port)"
        let code = sessions.issueCode()
        let answers = try await onThread {
            let connection = try TestHTTPConnection(port: port)
            let page = try Self.get(connection, "/", host: host)
            let state = try Self.get(connection, "/api/state", host: host)
            let forged = try Self.get(connection, "/", host: host, cookie: "berth_session_\(port)=\(code)")
            let login = try Self.get(connection, "/login?code=\(code)", host: host)
            let replay = try Self.get(connection, "/login?code=\(code)", host: host)
            let cookie = String(login.header("set-cookie")?.split(separator: ";").first ?? "")
            let signedIn = try Self.get(connection, "/", host: host, cookie: cookie)
            let bearer = try connection.get("/api/state", headers: ["Authorization": "Bearer token-0123456789abcdef"])
            return (page, state, forged, login, replay, signedIn, bearer)
        }
        #expect(answers.0.status == 401 && answers.0.text.contains("berth dashboard"))
        #expect(!answers.0.text.contains("csrf-0123"))
        #expect(answers.1.status == 401 && !answers.1.text.contains("4242"))
        #expect(answers.2.status == 401, "a code is not a session")
        #expect(answers.3.status == 303 && answers.3.header("location") == "/")
        #expect(answers.3.header("set-cookie")?.contains("HttpOnly; SameSite=Strict") == true)
        #expect(answers.4.status == 401 && !answers.4.headers.contains { $0.0.lowercased() == "set-cookie" })
        #expect(answers.5.status == 200 && answers.5.text.contains("csrf-0123"))
        #expect(answers.6.status == 200 && answers.6.text.contains("4242"))
    }
}
