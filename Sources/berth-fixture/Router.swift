import Glibc

/// The fixture's endpoints.
struct Router {
    struct Response {
        var status: Int
        var reason: String
        var body: [UInt8]

        init(_ status: Int, _ reason: String, _ body: String) {
            self.status = status
            self.reason = reason
            self.body = Array(body.utf8)
        }

        func encoded(keepAlive: Bool) -> [UInt8] {
            let head =
                "HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\n"
                + (keepAlive ? "" : "Connection: close\r\n") + "\r\n"
            return Array(head.utf8) + body
        }
    }

    let fixture: Fixture

    func respond(to request: HTTPRequest) -> Response {
        guard !request.method.isEmpty else { return Response(400, "Bad Request", "bad request\n") }
        switch request.path {
        case "/":
            return Response(200, "OK", "fixture pid=\(fixture.pid) replica=\(fixture.replica)")
        case "/healthz":
            if let failAfter = fixture.healthFailAfter, fixture.elapsed >= failAfter {
                return Response(500, "Internal Server Error", "unhealthy")
            }
            return Response(200, "OK", "ok")
        case "/ready":
            if fixture.elapsed < fixture.readyAfter {
                return Response(503, "Service Unavailable", "not ready")
            }
            return Response(200, "OK", "ready")
        case "/pid":
            return Response(200, "OK", "\(fixture.pid)")
        case "/grandchild":
            guard let pid = fixture.grandchildPID else { return Response(404, "Not Found", "no grandchild") }
            return Response(200, "OK", "\(pid)")
        case "/sleep":
            let milliseconds = request.query["ms"].flatMap { Int($0) } ?? 0
            Fixture.sleep(milliseconds: min(max(milliseconds, 0), 600_000))
            return Response(200, "OK", "slept \(milliseconds)")
        case "/headers":
            return Response(200, "OK", request.headers.map { "\($0.name): \($0.value)\n" }.joined())
        case "/upload":
            return Response(200, "OK", "received \(request.discarded)")
        case "/echo":
            var response = Response(200, "OK", "")
            response.body = request.body
            return response
        default:
            return Response(404, "Not Found", "not found")
        }
    }
}
