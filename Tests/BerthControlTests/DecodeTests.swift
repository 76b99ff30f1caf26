import BerthControlProtocol
import Testing

@Suite struct DecodeTests {
    private func decode(
        _ method: String, _ target: String, _ body: String = ""
    ) throws(ControlAPIError)
        -> ControlCommand
    {
        try ControlCommand.decode(method: method, target: target, body: Array(body.utf8))
    }

    private func error(_ method: String, _ target: String, _ body: String = "") -> ControlAPIError? {
        do {
            _ = try decode(method, target, body)
            return nil
        } catch {
            return error
        }
    }

    @Test func routes() throws {
        #expect(try decode("GET", "/v1/status") == .status)
        #expect(
            try decode("POST", "/v1/scale", #"{"services":{"web":3},"timeout_ms":5000}"#)
                == .scale(ScaleRequest(services: ["web": 3], timeoutMilliseconds: 5000))
        )
        #expect(try decode("POST", "/v1/services/web/start") == .start(service: "web", timeoutMilliseconds: nil))
        #expect(
            try decode("POST", "/v1/services/web/stop", #"{"timeout_ms":10}"#)
                == .stop(service: "web", timeoutMilliseconds: 10)
        )
        #expect(
            try decode("POST", "/v1/services/web/restart", " {} ") == .restart(service: "web", timeoutMilliseconds: nil)
        )
        #expect(try decode("POST", "/v1/wait", #"{"timeout_ms":0}"#) == .waitReady(timeoutMilliseconds: 0))
        #expect(try decode("POST", "/v1/wait") == .waitReady(timeoutMilliseconds: nil))
        #expect(try decode("POST", "/v1/down", #"{"timeout_ms":86400000}"#) == .down(timeoutMilliseconds: 86_400_000))
        #expect(try decode("GET", "/v1/logs") == .logs(LogQuery()))
        #expect(try decode("GET", "/v1/events") == .events(EventQuery()))
        #expect(
            try decode("GET", "/v1/events?tail=0&format=sse") == .events(EventQuery(tail: 0, serverSentEvents: true)))
        #expect(try decode("GET", "/v1/events?format=ndjson") == .events(EventQuery(tail: 20, serverSentEvents: false)))
        #expect(error("GET", "/v1/events?format=xml")?.status == 400)
        #expect(error("GET", "/v1/events?tail=-1")?.status == 400)
        #expect(error("GET", "/v1/events?since=3")?.status == 400)
        #expect(error("POST", "/v1/events")?.status == 405)
        #expect(error("GET", "/v1/events", "{}")?.status == 400)
        #expect(
            try decode("GET", "/v1/logs?service=web&replica=2&tail=50&follow=1")
                == .logs(LogQuery(service: "web", replica: 2, tail: 50, follow: true))
        )
        #expect(try decode("GET", "/v1/logs?follow=0&tail=0") == .logs(LogQuery(tail: 0, follow: false)))
    }

    @Test func replicaOperations() throws {
        #expect(
            try decode("POST", "/v1/services/web/replicas/1/stop")
                == .replica(service: "web", index: 1, action: .stop, timeoutMilliseconds: nil))
        #expect(
            try decode("POST", "/v1/services/web/replicas/0/start", #"{"timeout_ms":500}"#)
                == .replica(service: "web", index: 0, action: .start, timeoutMilliseconds: 500))
        #expect(
            try decode("POST", "/v1/services/web/replicas/999/restart")
                == .replica(service: "web", index: 999, action: .restart, timeoutMilliseconds: nil))
        #expect(error("GET", "/v1/services/web/replicas/1/stop")?.status == 405)
        #expect(error("POST", "/v1/services/web/replicas/1/explode")?.status == 404)
        for index in ["x", "-1", "1000", "", "+1", "0x1", "99999999999999999999"] {
            #expect(error("POST", "/v1/services/web/replicas/\(index)/stop")?.status == 400, "\(index)")
        }
        #expect(error("POST", "/v1/services//replicas/1/stop")?.status == 404)
        #expect(error("POST", "/v1/services/web/replicas/1/stop", #"{"timeout_ms":-1}"#)?.status == 400)
        #expect(error("POST", "/v1/services/web/replicas/1/stop", #"{"replicas":2}"#)?.status == 400)
        #expect(error("POST", "/v1/services/web/replicas/1/stop?force=1")?.status == 400)
    }

    @Test func percentDecoding() throws {
        #expect(
            try decode("POST", "/v1/services/my%2Dsvc/start") == .start(service: "my-svc", timeoutMilliseconds: nil)
        )
        #expect(try decode("GET", "/v1/logs?service=%77eb_1") == .logs(LogQuery(service: "web_1")))
        #expect(error("GET", "/v1/logs?service=%zz")?.status == 400)
        #expect(error("GET", "/v1/logs?service=%4")?.status == 400)
        #expect(error("POST", "/v1/services/%FF/start")?.status == 400)  // not UTF-8
    }

    /// Names that decode to something other than a manifest service name are 400, wherever they appear: none can be
    /// read as a path (docs/hostile-input.md).
    @Test(arguments: [
        "%2e%2e", "..", ".", "a%2Fb", "%2F", "a%5Cb", "a\\b", "%00", "web%00", "%252e%252e", "my%20svc", "caf%C3%A9",
        "-web", "_web", "web.1", "%2Fetc%2Fpasswd",
    ])
    func hostileServiceNamesAre400(name: String) {
        for (method, target, body) in [
            ("POST", "/v1/services/\(name)/start", ""),
            ("POST", "/v1/services/\(name)/restart", ""),
            ("GET", "/v1/logs?service=\(name)", ""),
        ] {
            let refused = error(method, target, body)
            #expect(refused?.status == 400, "\(target)")
            #expect(refused?.message.hasPrefix("invalid service name") == true, "\(target): \(refused as Any)")
        }
    }

    @Test(arguments: ["..", ".", "a/b", "a\\b", "\u{0}", "web\u{0}", "web.1", "my svc", "-web", "/etc/passwd"])
    func hostileServiceNamesInBodiesAre400(name: String) {
        let scale = #"{"services":{"\#(name.jsonEscaped)":1}}"#
        #expect(error("POST", "/v1/scale", scale)?.message.hasPrefix("invalid service name") == true, "\(scale)")
    }

    @Test(arguments: [
        "relative/berth.yaml", "/srv/app/../../etc/shadow", "/srv/./berth.yaml", "/srv//berth.yaml", "/srv/app/",
        "/", "/srv/berth.yaml\u{0}.txt", "/srv/\u{1b}[2J.yaml", "/" + String(repeating: "a", count: 4100),
    ])
    func hostileReloadFilesAre400(file: String) {
        let body = #"{"file":"\#(file.jsonEscaped)"}"#
        #expect(error("POST", "/v1/reload", body)?.status == 400, "\(file.prefix(60).debugDescription)")
    }

    @Test func unknownPathsAre404() {
        for target in [
            "/", "/v1", "/v1/", "/v2/status", "/v1/status/", "/v1/nope", "/v1/services/web", "/v1/services//start",
            "/v1/services/web/explode", "/v1/services/web/start/now", "/status",
        ] {
            let failure = error("GET", target)
            #expect(failure?.status == 404, "\(target)")
            #expect(failure?.code == "not_found", "\(target)")
        }
    }

    @Test func wrongMethodIs405() {
        let cases = [
            ("POST", "/v1/status"), ("GET", "/v1/scale"), ("DELETE", "/v1/services/web/stop"), ("GET", "/v1/wait"),
            ("PUT", "/v1/down"), ("POST", "/v1/logs"), ("HEAD", "/v1/status"),
        ]
        for (method, target) in cases {
            let failure = error(method, target)
            #expect(failure?.status == 405, "\(method) \(target)")
            #expect(failure?.code == "method_not_allowed")
        }
    }

    @Test func malformedBodiesAre400WithAReason() {
        let cases: [(String, String, String, String)] = [
            ("POST", "/v1/wait", "{", "malformed JSON"),
            ("POST", "/v1/wait", "[1]", "must be a JSON object"),
            ("POST", "/v1/wait", "42", "must be a JSON object"),
            ("POST", "/v1/wait", #"{"timeout_ms":"5"}"#, "timeout_ms"),
            ("POST", "/v1/wait", #"{"timeout_ms":1.5}"#, "timeout_ms"),
            ("POST", "/v1/wait", #"{"timeout_ms":-1}"#, "between 0 and 86400000"),
            ("POST", "/v1/wait", #"{"timeout_ms":86400001}"#, "between 0 and 86400000"),
            ("POST", "/v1/wait", #"{"timeout_ms":99999999999999999999999}"#, "timeout_ms"),
            ("POST", "/v1/down", #"{"timeout":5}"#, "unknown field 'timeout'"),
            ("POST", "/v1/scale", "", "needs a body"),
            ("POST", "/v1/scale", "{}", "missing field 'services'"),
            ("POST", "/v1/scale", #"{"services":{}}"#, "at least one service"),
            ("POST", "/v1/scale", #"{"services":{"web":1001}}"#, "between 0 and 1000"),
            ("POST", "/v1/scale", #"{"services":{"web":-1}}"#, "between 0 and 1000"),
            ("POST", "/v1/scale", #"{"services":{"":1}}"#, "must not be empty"),
            ("POST", "/v1/scale", #"{"services":{"web":"two"}}"#, "services.web"),
            ("POST", "/v1/scale", #"{"services":[1]}"#, "services"),
            ("POST", "/v1/scale", #"{"services":{"web":1},"timeout_ms":-5}"#, "timeout_ms"),
            ("POST", "/v1/scale", #"{"services":{"web":1,"web":2}}"#, "duplicate field 'services.web'"),
            ("POST", "/v1/scale", #"{"services":{"web":1,"w\u0065b":2}}"#, "duplicate field 'services.web'"),
            ("POST", "/v1/scale", #"{"services":{"web":1},"services":{"web":2}}"#, "duplicate field 'services'"),
            ("POST", "/v1/down", #"{"timeout_ms":1, "timeout_ms":2}"#, "duplicate field 'timeout_ms'"),
            ("GET", "/v1/status", "{}", "no request body"),
            ("GET", "/v1/status?verbose=1", "", "unknown query parameter 'verbose'"),
            ("POST", "/v1/wait?x", "", "unknown query parameter 'x'"),
            ("GET", "/v1/logs?lines=5", "", "unknown query parameter 'lines'"),
            ("GET", "/v1/logs?tail=abc", "", "'tail' must be an integer"),
            ("GET", "/v1/logs?tail=-3", "", "'tail' must be an integer"),
            ("GET", "/v1/logs?tail=+3", "", "'tail' must be an integer"),
            ("GET", "/v1/logs?tail=99999999999999999999", "", "'tail' must be an integer"),
            ("GET", "/v1/logs?service=web&replica=x", "", "'replica' must be an integer"),
            // A replica that cannot exist is refused, not streamed as nothing (audit5).
            ("GET", "/v1/logs?service=web&replica=1000", "", "'replica' must be an integer between 0 and 999"),
            ("GET", "/v1/logs?service=web&replica=%2B1", "", "'replica' must be an integer"),
            ("POST", "/v1/services/web/replicas/+1/stop", "", "replica index"),
            ("POST", "/v1/services/web/replicas/0000/stop", "", "replica index"),
            ("GET", "/v1/logs?replica=1", "", "needs 'service'"),
            ("GET", "/v1/logs?follow=maybe", "", "'follow'"),
            ("GET", "/v1/logs?service=", "", "'service' must not be empty"),
            ("GET", "/v1/logs?tail=1&tail=2", "", "more than once"),
            ("GET", "http://localhost/v1/status", "", "absolute path"),
            ("GET", "/v1/status#frag", "", "fragment"),
            ("GET", "", "", "absolute path"),
        ]
        for (method, target, body, fragment) in cases {
            let failure = error(method, target, body)
            #expect(failure?.status == 400, "\(method) \(target) \(body)")
            #expect(failure?.code == "bad_request")
            #expect(failure?.message.contains(fragment) == true, "\(failure?.message ?? "no error") lacks \(fragment)")
        }
    }

    /// The same key in different objects, or as a value, is not a duplicate (audit2).
    @Test func keysInDifferentObjectsAreNotDuplicates() throws {
        let body = #"{"services":{"web":1,"timeout_ms":2},"timeout_ms":3000}"#
        guard case .scale(let request) = try decode("POST", "/v1/scale", body) else {
            Issue.record("not a scale")
            return
        }
        #expect(request.services["timeout_ms"] == 2)
        #expect(request.timeoutMilliseconds == 3000)
    }

    @Test func neverCrashesOnArbitraryInput() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("/v1statusclewp?&=%+{}\":,0123456789-[] \u{0}\u{FF}é".utf8)
        let methods = ["GET", "POST", "", "get", "PATCH"]
        for _ in 0..<5000 {
            let target = String(
                decoding: (0..<Int.random(in: 0..<40, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator)!
                },
                as: UTF8.self
            )
            let body = (0..<Int.random(in: 0..<40, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator)!
            }
            let prefixed = Bool.random(using: &generator) ? "/v1/" + target : target
            do {
                _ = try ControlCommand.decode(method: methods.randomElement()!, target: prefixed, body: body)
            } catch {
                #expect((400..<500).contains(error.status))
            }
        }
    }
}

extension String {
    /// The string as the inside of a JSON string literal.
    var jsonEscaped: String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
