public import BerthControlProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Decides what the admin listener does with a dashboard request, from the request alone: which page, data or
/// stream to serve, which supervisor operation to run, or why to refuse. Pure, so that the protection against
/// cross-site requests is unit-tested without sockets.
///
/// The rules: nothing changes state on GET. A POST runs only when the browser says it is same-origin
/// (`Sec-Fetch-Site`, `Origin` equal to the `Host`), carries the daemon's CSRF token (embedded in the page) in
/// `X-Berth-CSRF`, and is JSON. Who may ask at all (credential, Host) is `AdminAccess`'s decision, taken before.
public struct DashboardRouter: Sendable {
    public enum Action: Sendable, Equatable {
        /// `GET /`: the page, with the CSRF token embedded.
        case page
        /// `GET /assets/dashboard.js` or `/assets/dashboard.css`.
        case asset(DashboardAssets.Name)
        /// `GET /api/state`: status, route history and recent events as one JSON document.
        case snapshot
        /// `GET /api/events`: a snapshot, then every event with the status after it, as Server-Sent Events.
        case events
        /// `GET /api/logs?service=S&replica=N`: recent lines, then new ones, as Server-Sent Events.
        case logs(LogQuery)
        /// A POST that passed every check: run this supervisor operation.
        case perform(ControlCommand)
        /// Refused or malformed: answer this.
        case respond(AdminRouter.Response)
        /// Not a dashboard path (`/metrics`, `/healthz`, ...): the `AdminRouter` answers.
        case admin
    }

    /// How long an operation started from the page may wait for its result before answering.
    public static let operationTimeoutMilliseconds = 15_000
    public static let csrfHeader = "X-Berth-CSRF"

    let csrfToken: String

    public init(csrfToken: String) {
        self.csrfToken = csrfToken
    }

    public func route(_ request: DashboardRequest) -> Action {
        let path = request.path
        guard path == "/" || path == "/api" || path.hasPrefix("/api/") || path.hasPrefix("/assets/") else {
            return .admin
        }
        if path == "/" { return read(request, .page) }
        if path.hasPrefix("/assets/") {
            guard let name = DashboardAssets.Name(rawValue: String(path.dropFirst("/assets/".count))) else {
                return .respond(AdminRouter.error(404, "no such asset: \(path)"))
            }
            return read(request, .asset(name))
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).map(String.init)
        switch segments {
        case ["state"]: return read(request, .snapshot)
        case ["events"]: return read(request, .events)
        case ["logs"]: return read(request, logs(request))
        case ["scale"]: return write(request) { body throws(ControlAPIError) in try Self.scale(body) }
        case let rest where rest.count == 3 && rest[0] == "services" && !rest[1].isEmpty:
            guard let name = DashboardRequest.decode(Substring(rest[1])) else {
                return .respond(AdminRouter.error(400, "invalid percent-escape in the service name"))
            }
            if let error = ServiceNameRule.check(name) {
                return .respond(AdminRouter.error(error.status, error.message))
            }
            let timeout = Self.operationTimeoutMilliseconds
            switch rest[2] {
            case "start": return write(request) { _ in .start(service: name, timeoutMilliseconds: timeout) }
            case "stop": return write(request) { _ in .stop(service: name, timeoutMilliseconds: timeout) }
            case "restart": return write(request) { _ in .restart(service: name, timeoutMilliseconds: timeout) }
            case "run": return write(request) { _ in .runNow(service: name) }
            default: return .respond(AdminRouter.error(404, "no such action: \(rest[2])"))
            }
        case let rest where rest.count == 5 && rest[0] == "services" && !rest[1].isEmpty && rest[2] == "replicas":
            guard let name = DashboardRequest.decode(Substring(rest[1])) else {
                return .respond(AdminRouter.error(400, "invalid percent-escape in the service name"))
            }
            if let error = ServiceNameRule.check(name) {
                return .respond(AdminRouter.error(error.status, error.message))
            }
            guard rest[3].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let index = Int(rest[3]), index < ControlCommand.maximumReplicas
            else {
                return .respond(
                    AdminRouter.error(400, "the replica index must be a number, got '\(rest[3].prefix(20))'"))
            }
            guard let operation = ReplicaOperation(rawValue: rest[4]) else {
                return .respond(AdminRouter.error(404, "no such action: \(rest[4].prefix(100))"))
            }
            let timeout = Self.operationTimeoutMilliseconds
            return write(request) { _ in
                .replica(service: name, index: index, action: operation, timeoutMilliseconds: timeout)
            }
        default:
            return .respond(AdminRouter.error(404, "no such resource: \(path)"))
        }
    }

    private func logs(_ request: DashboardRequest) -> Action {
        guard let query = request.query else {
            return .respond(
                AdminRouter.error(400, "the query is malformed (a bad %-escape, or a parameter given more than once)"))
        }
        guard let service = query["service"], !service.isEmpty else {
            return .respond(AdminRouter.error(400, "/api/logs needs ?service=NAME (and optionally &replica=N)"))
        }
        if let error = ServiceNameRule.check(service) {
            return .respond(AdminRouter.error(error.status, error.message))
        }
        var replica: Int?
        if let text = query["replica"] {
            guard let value = ReplicaIndexText.parse(text) else {
                return .respond(
                    AdminRouter.error(
                        400, "replica must be a number from 0 to \(ReplicaIndexText.maximum), got '\(text.prefix(20))'")
                )
            }
            replica = value
        }
        return .logs(LogQuery(service: service, replica: replica, tail: 200, follow: true))
    }

    /// GET and HEAD only: a read never changes state.
    private func read(_ request: DashboardRequest, _ action: Action) -> Action {
        var streams = false
        switch action {
        case .events, .logs: streams = true
        case .page, .asset, .snapshot, .perform, .respond, .admin: break
        }
        guard request.method == "GET" || (request.method == "HEAD" && !streams) else {
            var response = AdminRouter.error(405, "\(request.path) only answers GET")
            response.headers.append(("Allow", streams ? "GET" : "GET, HEAD"))
            return .respond(response)
        }
        return action
    }

    /// POST only, same-origin, with the CSRF token and a JSON body.
    private func write(
        _ request: DashboardRequest, _ command: ([UInt8]) throws(ControlAPIError) -> ControlCommand
    ) -> Action {
        guard request.method == "POST" else {
            var response = AdminRouter.error(405, "\(request.path) changes state and only answers POST")
            response.headers.append(("Allow", "POST"))
            return .respond(response)
        }
        if let site = request.header("sec-fetch-site"), site != "same-origin" {
            return .respond(AdminRouter.error(403, "cross-site request refused (Sec-Fetch-Site: \(site))"))
        }
        if let origin = request.header("origin") {
            let host = request.header("host") ?? ""
            guard origin == "http://\(host)" || origin == "https://\(host)" else {
                return .respond(AdminRouter.error(403, "cross-origin request refused (Origin: \(origin))"))
            }
        }
        guard AdminRouter.authorized(request.header(Self.csrfHeader).map { "Bearer \($0)" }, token: csrfToken) else {
            return .respond(AdminRouter.error(403, "missing or wrong \(Self.csrfHeader) token; reload the page"))
        }
        let contentType = request.header("content-type")?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            return .respond(AdminRouter.error(415, "actions take a JSON body (Content-Type: application/json)"))
        }
        do {
            return .perform(try command(request.body))
        } catch {
            return .respond(AdminRouter.error(error.status, error.message))
        }
    }

    /// `{"service": NAME, "replicas": N}`.
    static func scale(_ body: [UInt8]) throws(ControlAPIError) -> ControlCommand {
        struct Body: Decodable {
            var service: String
            var replicas: Int
        }
        let decoded: Body
        do {
            decoded = try JSONDecoder().decode(Body.self, from: Data(body))
        } catch {
            throw .badRequest("the body must be {\"service\": NAME, \"replicas\": N}")
        }
        if let error = ServiceNameRule.check(decoded.service) { throw error }
        guard (0...ControlCommand.maximumReplicas).contains(decoded.replicas) else {
            throw .badRequest("replicas must be between 0 and \(ControlCommand.maximumReplicas)")
        }
        return .scale(
            ScaleRequest(
                services: [decoded.service: decoded.replicas], timeoutMilliseconds: operationTimeoutMilliseconds))
    }
}
