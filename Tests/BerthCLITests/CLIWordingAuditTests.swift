import ArgumentParser
import Testing

@testable import BerthCLI

/// The CLI's errors name what the user typed and what is expected (audit2: `web.1.2` was reported as `web.1` by
/// the daemon, `-n -1` and `--timeout -1` as a missing value).
struct CLIWordingAuditTests {
    func message(_ arguments: [String]) -> String? {
        do {
            _ = try BerthCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return BerthCommand.message(for: error)
        }
    }

    @Test(arguments: [["start", "web.1.2"], ["stop", "web.1.2"], ["restart", "a.b"], ["logs", "web.1.2"]])
    func aDottedNameIsRefusedAsTyped(arguments: [String]) throws {
        let text = try #require(message(arguments))
        #expect(text.contains("'\(arguments[1])' is not a service or replica"), "\(text)")
        #expect(text.contains("SERVICE.N"), "\(text)")
        #expect(LogTarget("web.1.2") == nil)
        #expect(LogTarget("web.1") == LogTarget(service: "web", replica: 1))
    }

    @Test(arguments: [
        ["down", "--timeout", "-1"], ["up", "--timeout", "-1"], ["scale", "web=1", "--timeout", "-5s"],
        ["start", "web", "--timeout", "-1"], ["reload", "--timeout", "-1"], ["down", "--timeout", "soon"],
    ])
    func aNegativeTimeoutSaysItMustBeNonNegative(arguments: [String]) throws {
        let text = try #require(message(arguments))
        #expect(!text.contains("Missing value"), "\(text)")
        #expect(text.contains("must be a non-negative number"), "\(text)")
    }

    @Test func aNegativeTailSaysItMustBeNonNegative() throws {
        for arguments in [["logs", "-n", "-1"], ["logs", "--tail", "-3"]] {
            let text = try #require(message(arguments))
            #expect(!text.contains("Missing value"), "\(text)")
            #expect(text.contains("must be a non-negative number"), "\(text)")
        }
        let events = try #require(message(["events", "-n", "-1"]))
        #expect(events.contains("--tail must be between 0 and 10000"), "\(events)")
    }
}

/// What `berth down` says after stopping what a killed daemon left running: one process or several.
struct LeftoverReportTests {
    @Test func oneProcessIsSingular() {
        #expect(
            LeftoverStop.report([16626], of: "project stale")
                == "no daemon was running for project stale (it was killed?): stopped the 1 process it left running "
                + "(pids 16626)")
    }

    @Test func severalAreCountedAndListed() {
        #expect(
            LeftoverStop.report([10, 11, 12, 13], of: "project shop")
                == "no daemon was running for project shop (it was killed?): stopped the 4 processes it left running "
                + "(pids 10 11 12 13)")
    }
}
