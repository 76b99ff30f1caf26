extension ControlCommand {
    /// The largest `timeout_ms` accepted: one day.
    public static let maximumTimeoutMilliseconds = 86_400_000
    /// The largest replica count `POST /v1/scale` accepts for one service.
    public static let maximumReplicas = 1000

    /// Turns an HTTP request's method, target (`/v1/...?query`) and body into a command.
    ///
    /// Pure and total: any input yields a command or a `ControlAPIError` (404 `not_found` for an unknown path, 405
    /// for a known path with the wrong method, 400 `bad_request` for everything malformed), never a crash.
    public static func decode(method: String, target: String, body: [UInt8]) throws(ControlAPIError) -> ControlCommand {
        let parsed = try RequestTarget(parsing: target)
        let route = try Route(segments: parsed.segments)
        guard method == route.method else {
            throw .methodNotAllowed("\(target.prefix(200)) accepts only \(route.method), not \(method.prefix(20))")
        }
        if route.kind != .logs, route.kind != .events, let first = parsed.query.first {
            throw .badRequest("unknown query parameter '\(first.name)'")
        }
        switch route.kind {
        case .status:
            try requireEmptyBody(body)
            return .status
        case .logs:
            try requireEmptyBody(body)
            return .logs(try logQuery(parsed.query))
        case .events:
            try requireEmptyBody(body)
            return .events(try eventQuery(parsed.query))
        case .scale:
            return .scale(try scaleRequest(body))
        case .wait:
            return .waitReady(timeoutMilliseconds: try waitTimeout(body))
        case .down:
            return .down(timeoutMilliseconds: try waitTimeout(body))
        case .reload:
            return .reload(try reloadRequest(body))
        case .dashboardLogin:
            try requireEmptyBody(body)
            return .dashboardLogin
        case .start(let service):
            return .start(service: service, timeoutMilliseconds: try waitTimeout(body))
        case .stop(let service):
            return .stop(service: service, timeoutMilliseconds: try waitTimeout(body))
        case .restart(let service):
            return .restart(service: service, timeoutMilliseconds: try waitTimeout(body))
        case .runNow(let service):
            // The run starts and the answer comes at once, or with `wait` once the run ended (within `timeout_ms`).
            let request = try runRequest(body)
            return .runNow(
                service: service, wait: request.wait ?? false,
                timeoutMilliseconds: try validTimeout(request.timeoutMilliseconds))
        case .replica(let service, let index, let action):
            return .replica(service: service, index: index, action: action, timeoutMilliseconds: try waitTimeout(body))
        }
    }

    private static func requireEmptyBody(_ body: [UInt8]) throws(ControlAPIError) {
        guard JSONBody.isEmpty(body) else {
            throw .badRequest("this endpoint takes no request body")
        }
    }

    private static func runRequest(_ body: [UInt8]) throws(ControlAPIError) -> RunRequest {
        if JSONBody.isEmpty(body) { return RunRequest() }
        return try JSONBody.decode(RunRequest.self, from: body, allowedKeys: ["timeout_ms", "wait"])
    }

    private static func waitTimeout(_ body: [UInt8]) throws(ControlAPIError) -> Int? {
        if JSONBody.isEmpty(body) { return nil }
        let request = try JSONBody.decode(WaitRequest.self, from: body, allowedKeys: ["timeout_ms"])
        return try validTimeout(request.timeoutMilliseconds)
    }

    private static func validTimeout(_ timeout: Int?) throws(ControlAPIError) -> Int? {
        guard let timeout else { return nil }
        guard (0...maximumTimeoutMilliseconds).contains(timeout) else {
            throw .badRequest("timeout_ms must be between 0 and \(maximumTimeoutMilliseconds), got \(timeout)")
        }
        return timeout
    }

    private static func reloadRequest(_ body: [UInt8]) throws(ControlAPIError) -> ReloadRequest {
        if JSONBody.isEmpty(body) { return ReloadRequest() }
        var request = try JSONBody.decode(
            ReloadRequest.self, from: body,
            allowedKeys: [
                "file", "dry_run", "timeout_ms", "environment", "start",
                "watch",
            ])
        if let file = request.file, let error = Self.checkManifestPath(file) { throw error }
        if let environment = request.environment, let error = Self.checkEnvironment(environment) { throw error }
        for name in request.start ?? [] {
            if let error = ServiceNameRule.check(name) { throw error }
        }
        request.timeoutMilliseconds = try validTimeout(request.timeoutMilliseconds)
        return request
    }

    /// The most variables a reload's `environment` may carry (a manifest reads a few dozen).
    public static let maximumEnvironmentVariables = 4096

    /// A reload's `environment`: variable names as a shell writes them (`[A-Za-z_][A-Za-z0-9_]*`) and values without
    /// NUL, which no process environment can hold.
    static func checkEnvironment(_ environment: [String: String]) -> ControlAPIError? {
        guard environment.count <= maximumEnvironmentVariables else {
            return .badRequest("'environment' has more than \(maximumEnvironmentVariables) variables")
        }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            let bytes = Array(name.utf8)
            let valid =
                !bytes.isEmpty && !(0x30...0x39).contains(bytes[0])
                && bytes.allSatisfy { byte in
                    (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                        || byte == UInt8(ascii: "_")
                }
            guard valid else { return .badRequest("'environment' has an invalid variable name '\(name.prefix(64))'") }
            guard !value.utf8.contains(0) else { return .badRequest("'environment' value of \(name) contains NUL") }
        }
        return nil
    }

    /// The longest `file` `POST /v1/reload` accepts (Linux's PATH_MAX).
    public static let maximumPathBytes = 4096

    /// `file` of a reload must be what the CLI sends: a normalized absolute path (no `.`, `..` or empty segments,
    /// no trailing `/`), with no NUL or other control character, at most `maximumPathBytes`.
    static func checkManifestPath(_ file: String) -> ControlAPIError? {
        guard file.hasPrefix("/") else {
            return .badRequest("'file' must be an absolute path, got '\(file.prefix(200))'")
        }
        guard file.utf8.count <= maximumPathBytes else {
            return .badRequest("'file' is longer than \(maximumPathBytes) bytes")
        }
        guard !file.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            return .badRequest("'file' must not contain NUL or control characters")
        }
        let segments = file.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let dot = Array(".".utf8)
        let dotDot = Array("..".utf8)
        guard file != "/", !segments.contains(where: { $0.isEmpty || Array($0) == dot || Array($0) == dotDot }) else {
            return .badRequest("'file' must be a normalized path to a file (no '.', '..' or empty segments)")
        }
        return nil
    }

    private static func scaleRequest(_ body: [UInt8]) throws(ControlAPIError) -> ScaleRequest {
        guard !JSONBody.isEmpty(body) else {
            throw .badRequest("POST /v1/scale needs a body: {\"services\": {\"NAME\": COUNT}}")
        }
        var request = try JSONBody.decode(ScaleRequest.self, from: body, allowedKeys: ["services", "timeout_ms"])
        guard !request.services.isEmpty else {
            throw .badRequest("'services' must name at least one service")
        }
        for (name, count) in request.services.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty else {
                throw .badRequest("service names in 'services' must not be empty")
            }
            if let error = ServiceNameRule.check(name) { throw error }
            guard (0...maximumReplicas).contains(count) else {
                throw .badRequest("replica count for '\(name)' must be between 0 and \(maximumReplicas), got \(count)")
            }
        }
        request.timeoutMilliseconds = try validTimeout(request.timeoutMilliseconds)
        return request
    }

    private static func logQuery(_ parameters: [(name: String, value: String)]) throws(ControlAPIError) -> LogQuery {
        var query = LogQuery()
        for (name, value) in parameters {
            switch name {
            case "service":
                guard !value.isEmpty else { throw .badRequest("query parameter 'service' must not be empty") }
                if let error = ServiceNameRule.check(value) { throw error }
                query.service = value
            case "replica":
                query.replica = try integer(value, name: name, range: 0...ReplicaIndexText.maximum)
            case "tail":
                query.tail = try integer(value, name: name, range: 0...1_000_000)
            case "follow":
                switch value {
                case "", "1", "true": query.follow = true
                case "0", "false": query.follow = false
                default: throw .badRequest("query parameter 'follow' must be 1, 0, true or false")
                }
            default:
                throw .badRequest(
                    "unknown query parameter '\(name.prefix(100))' (expected service, replica, tail, follow)"
                )
            }
        }
        if query.replica != nil && query.service == nil {
            throw .badRequest("query parameter 'replica' needs 'service'")
        }
        return query
    }

    private static func eventQuery(_ parameters: [(name: String, value: String)]) throws(ControlAPIError) -> EventQuery
    {
        var query = EventQuery()
        for (name, value) in parameters {
            switch name {
            case "tail":
                query.tail = try integer(value, name: name, range: 0...10_000)
            case "format":
                switch value {
                case "sse": query.serverSentEvents = true
                case "ndjson": query.serverSentEvents = false
                default: throw .badRequest("query parameter 'format' must be ndjson or sse")
                }
            default:
                throw .badRequest("unknown query parameter '\(name.prefix(100))' (expected tail, format)")
            }
        }
        return query
    }

    private static func integer(_ text: String, name: String, range: ClosedRange<Int>) throws(ControlAPIError) -> Int {
        guard text.isASCIIDigits, let value = Int(text), range.contains(value) else {
            throw .badRequest(
                "query parameter '\(name)' must be an integer between \(range.lowerBound) and \(range.upperBound)"
            )
        }
        return value
    }
}

/// Which endpoint a path names, and the one method it accepts.
private struct Route {
    enum Kind: Equatable {
        case status, scale, wait, down, logs, reload, events, dashboardLogin
        case start(String)
        case stop(String)
        case restart(String)
        case runNow(String)
        case replica(String, Int, ReplicaOperation)
    }

    var kind: Kind
    var method: String

    init(segments: [String]) throws(ControlAPIError) {
        guard segments.first == controlAPIVersion else {
            throw .notFound("no such endpoint (the API lives under /\(controlAPIVersion)/)")
        }
        switch Array(segments.dropFirst()) {
        case ["status"]: (kind, method) = (.status, "GET")
        case ["logs"]: (kind, method) = (.logs, "GET")
        case ["events"]: (kind, method) = (.events, "GET")
        case ["scale"]: (kind, method) = (.scale, "POST")
        case ["wait"]: (kind, method) = (.wait, "POST")
        case ["down"]: (kind, method) = (.down, "POST")
        case ["reload"]: (kind, method) = (.reload, "POST")
        case ["dashboard", "login"]: (kind, method) = (.dashboardLogin, "POST")
        case let rest where rest.count == 3 && rest[0] == "services":
            let name = rest[1]
            guard !name.isEmpty else { throw .notFound("no such endpoint (missing service name)") }
            switch rest[2] {
            case "start": (kind, method) = (.start(name), "POST")
            case "stop": (kind, method) = (.stop(name), "POST")
            case "restart": (kind, method) = (.restart(name), "POST")
            case "run": (kind, method) = (.runNow(name), "POST")
            default: throw .notFound("no such endpoint: services/\(name.prefix(100))/\(rest[2].prefix(100))")
            }
            if let error = ServiceNameRule.check(name) { throw error }
        case let rest where rest.count == 5 && rest[0] == "services" && rest[2] == "replicas":
            let name = rest[1]
            guard !name.isEmpty else { throw .notFound("no such endpoint (missing service name)") }
            if let error = ServiceNameRule.check(name) { throw error }
            guard let action = ReplicaOperation(rawValue: rest[4]) else {
                throw .notFound("no such endpoint: replicas/N/\(rest[4].prefix(100)) (expected start, stop or restart)")
            }
            guard let index = ReplicaIndexText.parse(rest[3]) else {
                throw .badRequest(
                    "the replica index must be an integer between 0 and "
                        + "\(ControlCommand.maximumReplicas - 1), got '\(rest[3].prefix(20))'")
            }
            (kind, method) = (.replica(name, index, action), "POST")
        default:
            throw .notFound("no such endpoint")
        }
    }
}
