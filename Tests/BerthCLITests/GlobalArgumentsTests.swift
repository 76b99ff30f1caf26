import ArgumentParser
import Testing

@testable import BerthCLI

/// `berth -f FILE COMMAND`: project options before the command, for every command, and `BERTH_FILE`.
struct GlobalArgumentsTests {
    func parse<T: ParsableCommand>(_ arguments: [String], as type: T.Type) throws -> T {
        try #require(try BerthCommand.parseCommandLine(arguments) as? T)
    }

    @Test func fileBeforeTheCommandWorksForEveryCommand() throws {
        #expect(try parse(["-f", "a.yaml", "up", "-d"], as: BerthCommand.Up.self).options.file == "a.yaml")
        #expect(try parse(["--file", "b.yaml", "status"], as: BerthCommand.Status.self).options.file == "b.yaml")
        #expect(try parse(["--file=c.yaml", "check"], as: BerthCommand.Check.self).options.file == "c.yaml")
        #expect(try parse(["-f", "d.yaml", "restart", "web"], as: BerthCommand.Restart.self).options.file == "d.yaml")
        #expect(try parse(["-f", "e.yaml", "reload"], as: BerthCommand.Reload.self).options.file == "e.yaml")
        let export = try parse(["-f", "k.yaml", "export", "kubernetes"], as: BerthCommand.ExportKubernetes.self)
        #expect(export.file == "k.yaml")
    }

    @Test func logsKeepsDashFAsFollowAfterTheCommand() throws {
        let logs = try parse(["-f", "x.yaml", "logs", "-f", "web"], as: BerthCommand.Logs.self)
        #expect(logs.options.file == "x.yaml")
        #expect(logs.follow)
        #expect(logs.targets == ["web"])
        let long = try parse(["logs", "--file", "y.yaml"], as: BerthCommand.Logs.self)
        #expect(long.options.file == "y.yaml")
        #expect(!long.follow)
    }

    @Test func logsDashFWithAManifestSaysWhatToWrite() {
        do {
            _ = try BerthCommand.parseCommandLine(["logs", "-f", "stack.yaml"])
            Issue.record("parsed")
        } catch {
            #expect(BerthCommand.exitCode(for: error).rawValue == BerthExitCode.usage.rawValue)
            #expect(BerthCommand.message(for: error).contains("berth -f stack.yaml logs"))
        }
    }

    @Test func socketBeforeTheCommand() throws {
        let status = try parse(["--socket", "/tmp/s.sock", "status"], as: BerthCommand.Status.self)
        #expect(status.options.socket == "/tmp/s.sock")
        let both = try parse(["--socket=/s", "-f", "m.yaml", "down"], as: BerthCommand.Down.self)
        #expect(both.options.socket == "/s")
        #expect(both.options.file == "m.yaml")
    }

    @Test func optionsAfterTheCommandAreLeftAlone() throws {
        #expect(try GlobalArguments.hoist(["up", "-f", "a.yaml"]) == ["up", "-f", "a.yaml"])
        #expect(try GlobalArguments.hoist(["-f", "a.yaml", "logs", "-f"]) == ["logs", "--file", "a.yaml", "-f"])
        #expect(
            try GlobalArguments.hoist(["-f", "a", "export", "systemd", "-o", "out"])
                == ["export", "systemd", "--file", "a", "-o", "out"])
    }

    @Test func aMissingValueOrCommandIsAUsageError() {
        #expect(throws: GlobalArguments.Failure.self) { try GlobalArguments.hoist(["-f"]) }
        #expect(throws: GlobalArguments.Failure.self) { try GlobalArguments.hoist(["-f", "--socket", "x", "up"]) }
        #expect(throws: GlobalArguments.Failure.self) { try GlobalArguments.hoist(["-f", "a.yaml"]) }
        #expect(throws: GlobalArguments.Failure.self) { try GlobalArguments.hoist(["-f", "a.yaml", "--help"]) }
        do {
            _ = try BerthCommand.parseCommandLine(["-f"])
            Issue.record("parsed")
        } catch {
            #expect(BerthCommand.exitCode(for: error).rawValue == BerthExitCode.usage.rawValue)
        }
    }

    @Test func berthFileNamesTheManifestWhenNoOptionDoes() {
        #expect(ManifestPath.resolve(nil, environment: [:]) == "berth.yaml")
        #expect(ManifestPath.resolve(nil, environment: ["BERTH_FILE": "/p/stack.yaml"]) == "/p/stack.yaml")
        #expect(ManifestPath.resolve(nil, environment: ["BERTH_FILE": ""]) == "berth.yaml")
        #expect(ManifestPath.resolve("x.yaml", environment: ["BERTH_FILE": "/p/stack.yaml"]) == "x.yaml")
    }
}
