import ArgumentParser
import BerthControlProtocol
import Testing

@testable import BerthCLI

/// `berth dashboard`: parsing, and the control API's decoding of its request.
struct DashboardCommandTests {
    @Test func parsesDashboardAndOpen() throws {
        let plain = try #require(try BerthCommand.parseAsRoot(["dashboard"]) as? BerthCommand.Dashboard)
        #expect(!plain.open)
        let parsed = try BerthCommand.parseAsRoot(["dashboard", "--open", "-f", "x.yaml"])
        let open = try #require(parsed as? BerthCommand.Dashboard)
        #expect(open.open && open.options.file == "x.yaml")
        #expect(throws: (any Error).self) { try BerthCommand.parseAsRoot(["dashboard", "extra"]) }
    }

    @Test func theControlAPIDecodesTheLoginRequest() throws {
        #expect(try ControlCommand.decode(method: "POST", target: "/v1/dashboard/login", body: []) == .dashboardLogin)
        #expect(throws: ControlAPIError.self) {
            try ControlCommand.decode(method: "GET", target: "/v1/dashboard/login", body: [])
        }
        #expect(throws: ControlAPIError.self) {
            try ControlCommand.decode(method: "POST", target: "/v1/dashboard/login", body: Array("{\"x\":1}".utf8))
        }
        #expect(throws: ControlAPIError.self) {
            try ControlCommand.decode(method: "POST", target: "/v1/dashboard/login?code=1", body: [])
        }
    }
}
