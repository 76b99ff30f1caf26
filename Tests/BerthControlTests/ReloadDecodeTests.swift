import BerthControlProtocol
import Testing

@Suite("Decoding POST /v1/reload")
struct ReloadDecodeTests {
    private func decode(_ body: String) throws(ControlAPIError) -> ControlCommand {
        try ControlCommand.decode(method: "POST", target: "/v1/reload", body: Array(body.utf8))
    }

    @Test func anEmptyBodyReloadsTheDaemonsOwnManifest() throws {
        #expect(try decode("") == .reload(ReloadRequest()))
    }

    @Test func fileDryRunAndTimeout() throws {
        #expect(
            try decode(#"{"file":"/srv/app/berth.yaml","dry_run":true,"timeout_ms":5000}"#)
                == .reload(ReloadRequest(file: "/srv/app/berth.yaml", dryRun: true, timeoutMilliseconds: 5000)))
    }

    @Test func theCallersEnvironmentTravelsWithTheReload() throws {
        #expect(
            try decode(#"{"environment":{"XV":"two","EMPTY":""}}"#)
                == .reload(ReloadRequest(environment: ["XV": "two", "EMPTY": ""])))
    }

    @Test func badEnvironmentsAre400() {
        for body in [
            #"{"environment":{"1X":"a"}}"#, #"{"environment":{"A-B":"a"}}"#, #"{"environment":{"":"a"}}"#,
            #"{"environment":{"X":"a\u0000b"}}"#, #"{"environment":{"X":1}}"#, #"{"environment":["X"]}"#,
        ] {
            #expect(throws: ControlAPIError.self, "\(body)") { _ = try decode(body) }
        }
    }

    @Test func badBodiesAre400() {
        for body in [#"{"file":"berth.yaml"}"#, #"{"dry_run":"yes"}"#, #"{"force":true}"#, #"{"timeout_ms":-1}"#] {
            #expect(throws: ControlAPIError.self, "\(body)") { _ = try decode(body) }
        }
        #expect((try? ControlCommand.decode(method: "GET", target: "/v1/reload", body: [])) == nil)
    }
}
