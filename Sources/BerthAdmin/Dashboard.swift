import BerthControlProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The dashboard of the admin listener: its router, its per-daemon CSRF token, and what it asks of the daemon.
public struct Dashboard: Sendable {
    /// How far back the charts go.
    public static let windowSeconds = 300

    let backend: any DashboardBackend
    let router: DashboardRouter
    let csrfToken: String
    let project: String

    public init(backend: any DashboardBackend, project: String, csrfToken: String = Dashboard.newToken()) {
        self.backend = backend
        self.csrfToken = csrfToken
        self.project = project
        self.router = DashboardRouter(csrfToken: csrfToken)
    }

    /// 32 random bytes in hex, from the system's cryptographic generator.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    var page: [UInt8] {
        Array(DashboardPage.html(project: project, csrfToken: csrfToken).utf8)
    }

    func snapshot() async -> [UInt8] {
        async let status = backend.status()
        async let routes = backend.routeHistory(seconds: Self.windowSeconds)
        let document = DashboardSnapshot(
            windowSeconds: Self.windowSeconds, status: await status, routes: await routes,
            events: backend.recentEvents(50))
        return Self.encode(document)
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map(Array.init) ?? Array(#"{"error":"cannot encode"}"#.utf8)
    }

    static func serverSentEvent(_ name: String, _ data: [UInt8]) -> [UInt8] {
        Array("event: \(name)\ndata: ".utf8) + data + Array("\n\n".utf8)
    }
}
