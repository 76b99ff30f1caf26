import Testing

@testable import BerthAdmin

/// One-time login codes and sessions with made-up instants: a code works once and for a minute, a session until
/// its lifetime ends, and floods evict the oldest.
@Suite struct SessionBookTests {
    let start = ContinuousClock.now

    static func book() -> SessionBook { SessionBook(codeLifetime: .seconds(60), sessionLifetime: .seconds(3600)) }

    @Test func aCodeOpensOneSessionOnce() {
        var book = Self.book()
        book.issue(code: "c1", at: start)
        var opened = book.redeem(code: "c1", session: "s1", at: start + .seconds(5))
        #expect(opened)
        #expect(book.isValid(session: "s1", at: start + .seconds(6)))
        // Spent: a second use (a replayed link, the browser's history) opens nothing.
        opened = book.redeem(code: "c1", session: "s2", at: start + .seconds(7))
        #expect(!opened)
        #expect(!book.isValid(session: "s2", at: start + .seconds(7)))
        opened = book.redeem(code: "never-issued", session: "s3", at: start)
        #expect(!opened)
    }

    @Test func codesAndSessionsExpire() {
        var book = Self.book()
        book.issue(code: "late", at: start)
        var opened = book.redeem(code: "late", session: "s", at: start + .seconds(60))
        #expect(!opened)
        book.issue(code: "c", at: start)
        opened = book.redeem(code: "c", session: "s", at: start + .seconds(59))
        #expect(opened)
        #expect(book.isValid(session: "s", at: start + .seconds(59 + 3599)))
        #expect(!book.isValid(session: "s", at: start + .seconds(59 + 3600)))
        book.prune(at: start + .seconds(59 + 3600))
        #expect(book.sessions.isEmpty && book.codes.isEmpty)
    }

    @Test func floodsEvictTheOldestInsteadOfGrowing() {
        var book = Self.book()
        for index in 0..<100 { book.issue(code: "c\(index)", at: start + .milliseconds(index)) }
        #expect(book.codes.count == SessionBook.maximumCodes)
        var opened = book.redeem(code: "c0", session: "x", at: start + .seconds(1))
        #expect(!opened)
        opened = book.redeem(code: "c99", session: "s99", at: start + .seconds(1))
        #expect(opened)
        for index in 0..<100 {
            book.issue(code: "d\(index)", at: start + .seconds(2))
            let now = start + .seconds(2) + .milliseconds(index)
            opened = book.redeem(code: "d\(index)", session: "t\(index)", at: now)
            #expect(opened)
        }
        #expect(book.sessions.count == SessionBook.maximumSessions)
        #expect(book.isValid(session: "t99", at: start + .seconds(3)))
        #expect(!book.isValid(session: "t0", at: start + .seconds(3)))
    }

    @Test func sessionsUseFreshRandomIdsAndCodes() {
        let sessions = AdminSessions(codeLifetime: .seconds(60), sessionLifetime: .seconds(60))
        let code = sessions.issueCode()
        #expect(code.count == 64 && code != sessions.issueCode())
        let session = sessions.redeem(code)
        #expect(session.map(sessions.isValid) == true)
        #expect(session != nil && session != code)
        #expect(sessions.redeem(code) == nil)
        #expect(!sessions.isValid(code))
    }
}
