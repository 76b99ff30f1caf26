/// Decides the admin listener's answer to a request for `/metrics`, `/healthz` or an unknown path from its method and
/// path alone (`AdminAccess` has already checked the Host and the credential), so that routing is tested without
/// sockets.
public struct AdminRouter: Sendable {
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var contentType: String
        public var headers: [(String, String)]
        public var body: [UInt8]

        public static func == (lhs: Response, rhs: Response) -> Bool {
            lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
                && lhs.headers.map { "\($0.0): \($0.1)" } == rhs.headers.map { "\($0.0): \($0.1)" }
        }
    }

    /// The Prometheus text exposition format's content type.
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    let metrics: @Sendable () -> [UInt8]

    public init(metrics: @escaping @Sendable () -> [UInt8]) {
        self.metrics = metrics
    }

    public func respond(method: String, target: String) -> Response {
        let path =
            target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
            ?? target
        let resource: Resource
        switch path {
        case "/metrics": resource = .metrics
        case "/healthz": resource = .health
        default: return Self.error(404, "no such resource: \(path); try /metrics")
        }
        guard method == "GET" || method == "HEAD" else {
            var response = Self.error(405, "\(path) only answers GET")
            response.headers.append(("Allow", "GET, HEAD"))
            return response
        }
        switch resource {
        case .metrics:
            return Response(status: 200, contentType: Self.metricsContentType, headers: [], body: metrics())
        case .health:
            return Response(
                status: 200, contentType: "text/plain; charset=utf-8", headers: [], body: Array("ok\n".utf8))
        }
    }

    private enum Resource {
        case metrics, health
    }

    /// Compares in time independent of where the tokens differ, so the token cannot be guessed byte by byte.
    static func authorized(_ header: String?, token: String) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let given = Array(header.dropFirst(7).utf8)
        let expected = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }

    static func error(_ status: Int, _ message: String) -> Response {
        Response(
            status: status, contentType: "application/json", headers: [],
            body: Array("{\"error\":\(jsonString(message))}\n".utf8))
    }

    /// A JSON string literal: the message may quote a client's path.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
