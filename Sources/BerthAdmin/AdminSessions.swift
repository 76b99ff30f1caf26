import Synchronization

/// The admin listener's logins, shared by the control API (which hands out one-time codes to the socket's owner)
/// and the admin listener (which exchanges them for session cookies and checks those): a `SessionBook` under a
/// lock, with the real clock and the system's cryptographic generator.
public final class AdminSessions: Sendable {
    /// How long a code from `berth dashboard` may wait before it is used.
    public static let defaultCodeLifetime: Duration = .seconds(60)
    /// How long a dashboard session lasts after login (documented in docs/dashboard.md).
    public static let defaultSessionLifetime: Duration = .seconds(12 * 3600)

    private let book: Mutex<SessionBook>

    public init(
        codeLifetime: Duration = AdminSessions.defaultCodeLifetime,
        sessionLifetime: Duration = AdminSessions.defaultSessionLifetime
    ) {
        book = Mutex(SessionBook(codeLifetime: codeLifetime, sessionLifetime: sessionLifetime))
    }

    public var codeLifetime: Duration { book.withLock { $0.codeLifetime } }
    public var sessionLifetime: Duration { book.withLock { $0.sessionLifetime } }

    /// A fresh one-time login code.
    public func issueCode() -> String {
        let code = Dashboard.newToken()
        book.withLock { $0.issue(code: code, at: .now) }
        return code
    }

    /// Spends `code`; the new session's id when it was good.
    public func redeem(_ code: String) -> String? {
        let session = Dashboard.newToken()
        return book.withLock { $0.redeem(code: code, session: session, at: .now) } ? session : nil
    }

    public func isValid(_ session: String) -> Bool {
        book.withLock { $0.isValid(session: session, at: .now) }
    }
}
