/// Picks the route of a request: longest path prefix at segment boundaries, and a route naming the request's host
/// beats every route without one (hosts compared case-insensitively, without port).
public struct RouteTable: Sendable, Equatable {
    public static func == (lhs: RouteTable, rhs: RouteTable) -> Bool { lhs.routes == rhs.routes }

    /// One `gateway.routes` entry of the manifest.
    public struct Route: Sendable, Equatable {
        /// The path prefix (a trailing `/` is ignored, except for the root `/`).
        public var path: String
        /// The host this route is for; nil for any host.
        public var host: String?
        public var service: String
        /// Whether `path` is removed from the target sent upstream.
        public var stripPrefix: Bool
        public var timeout: Duration?
        public var retries: Int?
        /// The whole exchange, from the request head to the response's last byte, must end within this (504 before
        /// the response started, a cut connection after); nil for no limit.
        public var deadline: Duration?

        public init(
            path: String,
            host: String? = nil,
            service: String,
            stripPrefix: Bool = false,
            timeout: Duration? = nil,
            retries: Int? = nil,
            deadline: Duration? = nil
        ) {
            self.path = path
            self.host = host
            self.service = service
            self.stripPrefix = stripPrefix
            self.timeout = timeout
            self.retries = retries
            self.deadline = deadline
        }
    }

    /// Host-specific routes, then the others, each by descending prefix length; keys are normalized prefixes/hosts.
    private let hostRoutes: [(host: String, prefix: String, index: Int)]
    private let anyHostRoutes: [(prefix: String, index: Int)]
    public let routes: [Route]

    public init(_ routes: [Route]) {
        self.routes = routes
        var hostRoutes: [(host: String, prefix: String, index: Int)] = []
        var anyHostRoutes: [(prefix: String, index: Int)] = []
        for (index, route) in routes.enumerated() {
            let prefix = Self.normalizedPrefix(route.path)
            if let host = route.host {
                hostRoutes.append((Self.normalizedHost(host), prefix, index))
            } else {
                anyHostRoutes.append((prefix, index))
            }
        }
        // A stable sort keeps manifest order among equal prefixes: the first one written wins.
        self.hostRoutes = hostRoutes.enumerated()
            .sorted { ($0.element.prefix.utf8.count, -$0.offset) > ($1.element.prefix.utf8.count, -$1.offset) }
            .map(\.element)
        self.anyHostRoutes = anyHostRoutes.enumerated()
            .sorted { ($0.element.prefix.utf8.count, -$0.offset) > ($1.element.prefix.utf8.count, -$1.offset) }
            .map(\.element)
    }

    /// The route for a request with this Host value and origin-form target, and the target to send upstream
    /// (with the prefix stripped when the route says so); nil when no route matches.
    public func match(host: String?, target: String) -> (route: Route, upstreamTarget: String)? {
        matchIndex(host: host, target: target).map { (routes[$0.index], $0.upstreamTarget) }
    }

    /// As `match`, with the route's position in `routes`: per-route settings and counters are arrays indexed by it,
    /// so a request hashes no route or service name.
    public func matchIndex(host: String?, target: String) -> (index: Int, upstreamTarget: String)? {
        if let host, !hostRoutes.isEmpty {
            let wanted = Self.normalizedHost(host)
            for entry in hostRoutes where entry.host == wanted && PathPrefix.matches(target, prefix: entry.prefix) {
                return (entry.index, upstreamTarget(target, prefix: entry.prefix, index: entry.index))
            }
        }
        for entry in anyHostRoutes where PathPrefix.matches(target, prefix: entry.prefix) {
            return (entry.index, upstreamTarget(target, prefix: entry.prefix, index: entry.index))
        }
        return nil
    }

    /// By the route's index, its one flag read in place: a `Route` argument was a copy per request (its strings
    /// retained and released).
    private func upstreamTarget(_ target: String, prefix: String, index: Int) -> String {
        routes[index].stripPrefix ? PathPrefix.strip(target, prefix: prefix) : target
    }

    static func normalizedPrefix(_ path: String) -> String {
        var prefix = Substring(path.hasPrefix("/") ? path : "/" + path)
        while prefix.count > 1, prefix.utf8.last == ASCII.slash { prefix = prefix.dropLast() }
        return String(prefix)
    }

    /// Lower case, without port and trailing dot: `API.example.com.:8080` is `api.example.com`, `[::1]:80` is `[::1]`.
    static func normalizedHost(_ host: String) -> String {
        var name = Substring(host)
        if name.hasPrefix("[") {
            if let close = name.firstIndex(of: "]") { name = name[...close] }
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        while name.hasSuffix(".") { name = name.dropLast() }
        return String(name).lowercasedASCII()
    }
}
