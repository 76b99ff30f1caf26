/// The dashboard's one-time login codes and the sessions they open, as a value: events in (with the current
/// instant), answers out, no clock and no randomness of its own, so that expiry and single use are tested with
/// made-up instants.
///
/// A code (from `berth dashboard`, over the owner-only control socket) is good for one exchange within
/// `codeLifetime`; the session it opens lasts `sessionLifetime` from login. Both tables are bounded: a flood of
/// codes or logins evicts the oldest instead of growing the daemon. Nothing is persisted: a restarted daemon knows
/// no session.
struct SessionBook: Sendable {
    typealias Instant = ContinuousClock.Instant

    static let maximumCodes = 16
    static let maximumSessions = 64

    let codeLifetime: Duration
    let sessionLifetime: Duration
    /// Code -> the instant it expires.
    private(set) var codes: [String: Instant] = [:]
    /// Session id -> the instant it expires.
    private(set) var sessions: [String: Instant] = [:]

    init(codeLifetime: Duration, sessionLifetime: Duration) {
        self.codeLifetime = codeLifetime
        self.sessionLifetime = sessionLifetime
    }

    /// Records a fresh code (the caller drew it from the system's generator).
    mutating func issue(code: String, at now: Instant) {
        prune(at: now)
        Self.evictOldest(&codes, keeping: Self.maximumCodes - 1)
        codes[code] = now + codeLifetime
    }

    /// Spends `code`: true (and `session` is open) when it was issued, unused and not expired. A code works once,
    /// whatever the outcome.
    mutating func redeem(code: String, session: String, at now: Instant) -> Bool {
        prune(at: now)
        // The lookup hashes the code: its timing says nothing useful about a 256-bit random value.
        guard codes.removeValue(forKey: code) != nil else { return false }
        Self.evictOldest(&sessions, keeping: Self.maximumSessions - 1)
        sessions[session] = now + sessionLifetime
        return true
    }

    func isValid(session: String, at now: Instant) -> Bool {
        guard let expiry = sessions[session] else { return false }
        return now < expiry
    }

    mutating func prune(at now: Instant) {
        codes = codes.filter { now < $0.value }
        sessions = sessions.filter { now < $0.value }
    }

    /// Drops the entries that expire first until at most `keeping` are left.
    private static func evictOldest(_ table: inout [String: Instant], keeping: Int) {
        guard table.count > keeping else { return }
        for (key, _) in table.sorted(by: { $0.value < $1.value }).prefix(table.count - keeping) {
            table[key] = nil
        }
    }
}
