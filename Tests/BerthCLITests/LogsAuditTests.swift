import Testing

@testable import BerthCLI

/// Found by the outside audit (branch audit1): `berth logs nosuch` printed nothing and exited 0, `-f` waited forever.
@Suite struct LogsAuditTests {
    private func targets(_ texts: String...) -> [LogTarget] { texts.compactMap(LogTarget.init) }

    @Test func aServiceNobodyKnowsIsNamed() {
        let known: Set<String> = ["web", "worker"]
        #expect(LogTarget.unknownService(targets("web", "wbe"), known: known, logged: ["web"]) == "wbe")
        #expect(LogTarget.unknownService(targets("wbe.1"), known: known, logged: []) == "wbe")
        #expect(LogTarget.unknownService(targets("web", "worker.0"), known: known, logged: []) == nil)
    }

    @Test func aRemovedServiceWithLinesAndAnUnknownProjectPass() {
        #expect(LogTarget.unknownService(targets("old"), known: ["web"], logged: ["old"]) == nil)
        #expect(LogTarget.unknownService(targets("anything"), known: nil, logged: []) == nil)
    }
}
