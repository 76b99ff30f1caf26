import ArgumentParser
import Testing

@testable import BerthCLI

/// Every command parsed from argument lists, without running anything.
struct CommandParsingTests {
    func parse<T: ParsableCommand>(_ arguments: [String], as type: T.Type) throws -> T {
        let command = try BerthCommand.parseAsRoot(arguments)
        return try #require(command as? T)
    }

    /// The exit code ArgumentParser gives the error `arguments` fail with.
    func failureCode(_ arguments: [String]) -> Int32? {
        do {
            _ = try BerthCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return BerthCommand.exitCode(for: error).rawValue
        }
    }

    @Test func upDefaults() throws {
        let up = try parse(["up"], as: BerthCommand.Up.self)
        #expect(up.options.file == "berth.yaml")
        #expect(up.options.socket == nil)
        #expect(up.detach == false)
        #expect(up.timeout == .seconds(60))
    }

    @Test func upWithEveryOption() throws {
        let up = try parse(
            ["up", "-f", "stack.yaml", "-d", "--timeout", "90s", "--socket", "/tmp/s.sock"], as: BerthCommand.Up.self
        )
        #expect(up.options.file == "stack.yaml")
        #expect(up.options.socket == "/tmp/s.sock")
        #expect(up.detach)
        #expect(up.timeout.milliseconds == 90_000)
        #expect(try parse(["up", "--detach", "--file", "x.yaml"], as: BerthCommand.Up.self).detach)
    }

    @Test func upRejectsBadTimeoutAndStrayArguments() {
        #expect(failureCode(["up", "--timeout", "soon"]) == BerthExitCode.usage.rawValue)
        #expect(failureCode(["up", "../web"]) == BerthExitCode.usage.rawValue)
        #expect(failureCode(["up", "--profile", "a b"]) == BerthExitCode.usage.rawValue)
        #expect(failureCode(["up", "-f"]) == BerthExitCode.usage.rawValue)
    }

    @Test func upNamesServicesAndProfiles() throws {
        let up = try parse(
            ["up", "-d", "web", "worker", "--profile", "debug", "--profile", "tools"],
            as: BerthCommand.Up.self)
        #expect(up.services == ["web", "worker"])
        #expect(up.profiles == ["debug", "tools"])
        #expect(try parse(["up"], as: BerthCommand.Up.self).services == [])
    }

    @Test func down() throws {
        #expect(try parse(["down"], as: BerthCommand.Down.self).timeout == .seconds(60))
        #expect(try parse(["down", "--timeout", "500ms"], as: BerthCommand.Down.self).timeout.milliseconds == 500)
        #expect(failureCode(["down", "--timeout", "-1"]) == BerthExitCode.usage.rawValue)
    }

    @Test func reload() throws {
        let plain = try parse(["reload"], as: BerthCommand.Reload.self)
        #expect(plain.dryRun == false)
        #expect(plain.timeout == .seconds(120))
        #expect(plain.options.file == "berth.yaml")
        let dry = try parse(
            ["reload", "--dry-run", "-f", "edited.yaml", "--timeout", "5m"], as: BerthCommand.Reload.self)
        #expect(dry.dryRun)
        #expect(dry.options.file == "edited.yaml")
        #expect(dry.timeout.milliseconds == 300_000)
        #expect(failureCode(["reload", "web"]) == BerthExitCode.usage.rawValue)
    }

    @Test func status() throws {
        #expect(try parse(["status"], as: BerthCommand.Status.self).json == false)
        let status = try parse(["status", "--json", "--socket", "/run/x.sock"], as: BerthCommand.Status.self)
        #expect(status.json)
        #expect(status.options.socket == "/run/x.sock")
        #expect(failureCode(["status", "--yaml"]) == BerthExitCode.usage.rawValue)
    }

    @Test func scale() throws {
        let scale = try parse(["scale", "web=3", "worker=0", "--timeout", "2m"], as: BerthCommand.Scale.self)
        #expect(scale.assignments == ["web=3", "worker=0"])
        #expect(scale.timeout.milliseconds == 120_000)
        #expect(try parse(["scale", "web=1"], as: BerthCommand.Scale.self).timeout == .seconds(60))
    }

    @Test(arguments: [
        ["scale"],
        ["scale", "web"],
        ["scale", "web=three"],
        ["scale", "web=-1"],
        ["scale", "web=1001"],
        ["scale", "=2"],
        ["scale", "web=2", "web=3"],
        ["scale", "we b=2"],
    ])
    func scaleRejects(_ arguments: [String]) {
        #expect(failureCode(arguments) == BerthExitCode.usage.rawValue)
    }

    @Test func serviceActions() throws {
        let start = try parse(["start", "web"], as: BerthCommand.Start.self)
        #expect(start.action.service == "web")
        #expect(start.action.timeout == .seconds(60))
        let stop = try parse(["stop", "worker", "--timeout", "5"], as: BerthCommand.Stop.self)
        #expect(stop.action.service == "worker")
        #expect(stop.action.timeout.milliseconds == 5000)
        let restart = try parse(["restart", "api-v2", "-f", "b.yaml"], as: BerthCommand.Restart.self)
        #expect(restart.action.service == "api-v2")
        #expect(restart.options.file == "b.yaml")
    }

    @Test(arguments: [["start"], ["stop", "a", "b"], ["restart", "web/../x"], ["start", "web", "--timeout", "1x"]])
    func serviceActionsReject(_ arguments: [String]) {
        #expect(failureCode(arguments) == BerthExitCode.usage.rawValue)
    }

    @Test func logs() throws {
        let all = try parse(["logs"], as: BerthCommand.Logs.self)
        #expect(all.targets.isEmpty)
        #expect(all.follow == false)
        #expect(all.tail == nil)
        let one = try parse(["logs", "web.2", "-f", "-n", "5"], as: BerthCommand.Logs.self)
        #expect(one.targets == ["web.2"])
        #expect(one.follow)
        #expect(one.tail == 5)
        #expect(try parse(["logs", "web", "--follow", "--tail", "0"], as: BerthCommand.Logs.self).tail == 0)
        let several = try parse(
            ["logs", "web", "db.1", "--since", "-10m", "--until", "2099-01-01 12:00:00", "-p", "err", "--json"],
            as: BerthCommand.Logs.self)
        #expect(several.targets == ["web", "db.1"])
        #expect(several.priority == "err")
        #expect(several.json)
    }

    @Test(arguments: [
        ["logs", "--tail", "-3"], ["logs", "web.x/y"], ["logs", "-n", "many"], ["logs", "--since", "soon"],
        ["logs", "-p", "loud"],
        // audit5: an empty window (since after until) printed nothing and exited 0, as if nothing had been logged.
        ["logs", "--since", "today", "--until", "yesterday"], ["logs", "--since", "-1m", "--until", "-2m"],
    ])
    func logsReject(_ arguments: [String]) {
        #expect(failureCode(arguments) == BerthExitCode.usage.rawValue)
    }

    @Test func logsWindowOfOneInstantIsAccepted() throws {
        #expect(
            try parse(["logs", "--since", "12:00", "--until", "12:00"], as: BerthCommand.Logs.self).until == "12:00")
    }

    @Test func check() throws {
        #expect(try parse(["check"], as: BerthCommand.Check.self).options.file == "berth.yaml")
        #expect(try parse(["check", "-f", "other.yaml"], as: BerthCommand.Check.self).options.file == "other.yaml")
        #expect(failureCode(["check", "--json"]) == BerthExitCode.usage.rawValue)
    }

    @Test func unknownCommandIsAUsageError() {
        #expect(failureCode(["launch"]) == BerthExitCode.usage.rawValue)
    }

    @Test func rootHelpListsEverySubcommand() {
        let help = BerthCommand.helpMessage(columns: 120)
        for name in ["up", "down", "status", "scale", "start", "stop", "restart", "logs", "check"] {
            #expect(help.contains("\n  \(name) "), "missing \(name) in:\n\(help)")
        }
        for subcommand in BerthCommand.configuration.subcommands where subcommand.configuration.shouldDisplay {
            #expect(help.contains(subcommand.configuration.abstract))
        }
        #expect(help.contains("69 no daemon running"))
    }

    @Test func subcommandHelpShowsDefaults() {
        let help = BerthCommand.helpMessage(for: BerthCommand.Scale.self, columns: 120)
        let usage = "USAGE: berth scale [--file <file>] [--socket <path>] [<service=n> ...] [--timeout <timeout>]"
        #expect(help.contains(usage))
        #expect(help.contains("(default: 60s)"))
        #expect(help.contains("env BERTH_FILE, else berth.yaml"))
    }
}
