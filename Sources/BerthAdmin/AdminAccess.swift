/// Decides, before any routing, whether a request on the admin listener may go on: from its Host, path and
/// credentials alone, so that the rules are tested without sockets.
///
/// Every page and API request needs a credential: `Authorization: Bearer TOKEN` (scripts) or the session cookie a
/// `berth dashboard` login link opens (browsers). Only `GET /login?code=...` (which spends a one-time code) and,
/// when `openProbes`, `/metrics` and `/healthz` (Prometheus' convention on loopback) answer without one. On a
/// loopback listener, every request without the bearer token must also name it by a loopback IP literal or
/// `localhost` and its own port, so that a DNS-rebinding page (whose requests carry its own host name) reads
/// nothing, not even `/metrics`.
public struct AdminAccess: Sendable {
    public enum Decision: Sendable, Equatable {
        /// Authenticated, or an open probe: the routers answer.
        case allow
        /// `GET /login?code=CODE`: exchange the code for a session cookie (see `loginResponse`).
        case login(code: String)
        case refuse(AdminRouter.Response)
    }

    /// The bearer token; berthd always has one (the manifest's or a generated one).
    let token: String?
    /// The listener is on a loopback address: the Host check applies.
    let loopback: Bool
    /// `/metrics` and `/healthz` answer without a credential.
    let openProbes: Bool

    public init(token: String?, loopback: Bool, openProbes: Bool) {
        self.token = token
        self.loopback = loopback
        self.openProbes = openProbes
    }

    /// `session` tells whether a session cookie's value names a live session.
    ///
    /// A valid bearer token is enough (a rebinding page cannot know it); whatever else would be let in (`/login`,
    /// an open probe, a session cookie) must also pass the Host check on a loopback listener.
    public func decide(
        _ request: DashboardRequest, listenerPort: Int, session: (String) -> Bool
    ) -> Decision {
        if let token, AdminRouter.authorized(request.header("authorization"), token: token) { return .allow }
        let path = request.path
        let admitted: Decision
        if path == "/login" {
            guard request.method == "GET" else {
                var response = AdminRouter.error(405, "/login only answers GET")
                response.headers.append(("Allow", "GET"))
                return .refuse(response)
            }
            guard let code = request.query?["code"], !code.isEmpty else {
                return .refuse(AdminPages.loginFailed(status: 400, "This address has no login code."))
            }
            admitted = .login(code: code)
        } else if openProbes, path == "/metrics" || path == "/healthz" {
            admitted = .allow
        } else if let cookie = Self.sessionCookie(request, port: listenerPort), session(cookie) {
            admitted = .allow
        } else if path == "/" {
            return .refuse(AdminPages.signedOut)
        } else {
            var response = AdminRouter.error(
                401,
                "authentication required: run 'berth dashboard' for a login link, or send 'Authorization: "
                    + "Bearer TOKEN' (admin.token, or the admin-token file in the state directory)")
            response.headers.append(("WWW-Authenticate", "Bearer realm=\"berth\""))
            return .refuse(response)
        }
        if loopback, !Self.isLoopbackHost(request.header("host"), port: listenerPort) {
            return .refuse(
                AdminRouter.error(
                    403,
                    "the admin listener answers only to a loopback Host (127.0.0.1:\(listenerPort), "
                        + "localhost:\(listenerPort), [::1]:\(listenerPort))"))
        }
        return admitted
    }

    /// The answer to `/login`: with a new session, a cookie and a 303 to `/` (so that the spent code leaves the
    /// address bar and the history); without one, a page saying the link is no good.
    public static func loginResponse(
        session: String?, port: Int, lifetime: Duration, secure: Bool
    )
        -> AdminRouter.Response
    {
        guard let session else {
            return AdminPages.loginFailed(
                status: 401, "This login link is invalid, expired or already used: each works once, for a minute.")
        }
        var cookie =
            "\(cookieName(port: port))=\(session); Max-Age=\(lifetime.components.seconds); Path=/; HttpOnly; "
            + "SameSite=Strict"
        if secure { cookie += "; Secure" }
        return AdminRouter.Response(
            status: 303, contentType: "text/plain; charset=utf-8",
            headers: [("Location", "/"), ("Set-Cookie", cookie), ("Referrer-Policy", "no-referrer")],
            body: Array("signed in; continue at /\n".utf8))
    }

    /// Cookies are shared by every port of a host: the name carries the port, so that two projects' dashboards on
    /// one machine do not overwrite each other's session.
    public static func cookieName(port: Int) -> String {
        "berth_session_\(port)"
    }

    /// The value of this listener's session cookie, if the request carries one.
    static func sessionCookie(_ request: DashboardRequest, port: Int) -> String? {
        let wanted = cookieName(port: port)
        for (name, value) in request.headers where name.lowercased() == "cookie" {
            for pair in value.split(separator: ";") {
                let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard halves.count == 2, halves[0].trimmingSpaces == wanted else { continue }
                return String(halves[1].trimmingSpaces)
            }
        }
        return nil
    }

    /// `localhost`, an IPv4 literal in 127.0.0.0/8 or `[::1]`, with `port` (or no port when `port` is 80). Host
    /// names such as `127.example.com` do not pass: their address is whatever their DNS says.
    public static func isLoopbackHost(_ host: String?, port: Int) -> Bool {
        guard let host = host?.lowercased(), !host.isEmpty else { return false }
        let name: Substring
        let portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            name = host[...close]
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return false }
            portText = rest.isEmpty ? nil : rest.dropFirst()
        } else if let colon = host.firstIndex(of: ":") {
            name = host[..<colon]
            portText = host[host.index(after: colon)...]
        } else {
            name = host[...]
            portText = nil
        }
        if let portText {
            guard portText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                Int(portText) == port
            else { return false }
        } else if port != 80 {
            return false
        }
        return name == "localhost" || name == "[::1]" || isLoopbackIPv4(name)
    }

    /// Four decimal octets (no signs, no leading zeros), the first 127.
    static func isLoopbackIPv4(_ text: Substring) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { octet in
                !octet.isEmpty && octet.count <= 3 && (octet == "0" || !octet.hasPrefix("0"))
                    && octet.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                    && Int(octet).map { $0 <= 255 } == true
            }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
