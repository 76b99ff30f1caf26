import ArgumentParser
import BerthControlProtocol
import Testing

@testable import BerthCLI

/// `berth events` and `berth status --watch`: parsing and what they print, without a daemon.
struct EventsCommandTests {
    func failureCode(_ arguments: [String]) -> Int32? {
        do {
            _ = try BerthCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return BerthCommand.exitCode(for: error).rawValue
        }
    }

    @Test func parsesEventsAndWatch() throws {
        let events = try #require(try BerthCommand.parseAsRoot(["events"]) as? BerthCommand.Events)
        #expect(!events.json && events.tail == 20)
        let json = try #require(try BerthCommand.parseAsRoot(["events", "--json", "-n", "0"]) as? BerthCommand.Events)
        #expect(json.json && json.tail == 0)
        #expect(failureCode(["events", "-n", "-1"]) == 64)
        #expect(failureCode(["events", "--tail", "10001"]) == 64)
        let watch = try #require(try BerthCommand.parseAsRoot(["status", "--watch"]) as? BerthCommand.Status)
        #expect(watch.watch && !watch.json)
        #expect(failureCode(["status", "--watch", "--json"]) == 64)
    }

    @Test func eventLinesNameTheReplicaAndSayWhatHappened() {
        let crash = DaemonEvent(
            time: 0, kind: .replica, service: "web", replica: 1, state: .backoff,
            message: "killed by SIGKILL; restarting in 100 ms")
        let line = EventLine.format(crash)
        #expect(line.hasSuffix(" web.1 killed by SIGKILL; restarting in 100 ms"))
        #expect(
            line.prefix(8).allSatisfy { $0.isNumber || $0 == ":" }
                && line.count == 9 + "web.1 killed by SIGKILL; restarting in 100 ms".count)
        let scaled = DaemonEvent(time: 0, kind: .scaled, service: "web", desired: 3, message: "scaled to 3 replicas")
        #expect(EventLine.format(scaled).hasSuffix(" web scaled to 3 replicas"))
    }

    @Test func watchFramesClearTheTerminalOnlyOnATerminal() {
        #expect(
            StatusWatch.frame("TABLE\n", tty: true, time: "12:00:00")
                == "\u{1B}[H\u{1B}[2Jberth status --watch · 12:00:00\n\nTABLE\n")
        #expect(
            StatusWatch.frame("TABLE\n", tty: false, time: "12:00:00") == "berth status --watch · 12:00:00\n\nTABLE\n\n"
        )
    }
}
