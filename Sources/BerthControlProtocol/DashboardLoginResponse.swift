/// The answer of `POST /v1/dashboard/login`: a link that logs a browser in to the admin listener's dashboard once.
///
/// Only the control socket's owner can ask (the socket is 0600 and checks the peer's uid), so only they can log in
/// without the bearer token.
public struct DashboardLoginResponse: Codable, Sendable, Equatable {
    /// `http://HOST:PORT/login?code=CODE`: the code works once, within `expiresInSeconds`.
    public var url: String
    /// The dashboard itself, for showing where the link leads.
    public var dashboard: String
    public var expiresInSeconds: Int
    /// How long the session the link opens lasts.
    public var sessionSeconds: Int

    public init(url: String, dashboard: String, expiresInSeconds: Int, sessionSeconds: Int) {
        self.url = url
        self.dashboard = dashboard
        self.expiresInSeconds = expiresInSeconds
        self.sessionSeconds = sessionSeconds
    }

    enum CodingKeys: String, CodingKey {
        case url, dashboard
        case expiresInSeconds = "expires_in_s"
        case sessionSeconds = "session_s"
    }
}
