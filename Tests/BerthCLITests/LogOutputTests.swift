import BerthControlProtocol
import Testing

@testable import BerthCLI

struct LogOutputTests {
    func entry(_ service: String, _ replica: Int, _ line: String, _ stream: LogEntry.Stream = .stdout) -> LogEntry {
        LogEntry(service: service, replica: replica, stream: stream, time: 0, line: line)
    }

    @Test func padsLabelsToTheKnownWidth() {
        var formatter = LogLineFormatter(colour: false, labels: LogLineFormatter.labels(sampleStatus))
        #expect(formatter.format(entry("web", 0, "listening")) == "web.0    | listening")
        #expect(formatter.format(entry("worker", 0, "boom", .stderr)) == "worker.0 | boom")
    }

    @Test func growsWhenALongerLabelArrives() {
        var formatter = LogLineFormatter(colour: false)
        #expect(formatter.format(entry("db", 0, "a")) == "db.0 | a")
        #expect(formatter.format(entry("frontend", 1, "b")) == "frontend.1 | b")
        #expect(formatter.format(entry("db", 0, "c")) == "db.0       | c")
    }

    @Test func labelsDaemonLines() {
        var formatter = LogLineFormatter(colour: false, labels: ["web.0"])
        #expect(formatter.format(entry("", 0, "reloaded", .daemon)) == "berthd | reloaded")
    }

    @Test func coloursEachReplicaItsOwnWay() {
        var formatter = LogLineFormatter(colour: true, services: ["web", "db"], labels: ["web.0", "db.0"])
        let db = formatter.format(entry("db", 0, "x"))
        let web0 = formatter.format(entry("web", 0, "y"))
        let web1 = formatter.format(entry("web", 1, "z"))
        #expect(db == "\u{1B}[36mdb.0  |\u{1B}[0m x")
        #expect(web0 == "\u{1B}[33mweb.0 |\u{1B}[0m y")
        #expect(web1.hasPrefix("\u{1B}[32m"))
        #expect(formatter.format(entry("web", 0, "again")).hasPrefix("\u{1B}[33m"))
    }

    @Test func parsesLogTargets() {
        #expect(LogTarget("web") == LogTarget(service: "web", replica: nil))
        #expect(LogTarget("web.2") == LogTarget(service: "web", replica: 2))
        // A service name has no dot (the manifest's rule): `api.v2` names no service, `api.v2.0` no replica.
        #expect(LogTarget("api.v2") == nil)
        #expect(LogTarget("api.v2.0") == nil)
        #expect(LogTarget("") == nil)
        #expect(LogTarget(".1") == nil)
        #expect(LogTarget("web.-1") == nil)
        // Only digits name a replica, and only one that can exist (audit5: `web.+1` was read as `web.1`).
        #expect(LogTarget("web.+1") == nil)
        #expect(LogTarget("web.1000") == nil)
        #expect(LogTarget("web.999") == LogTarget(service: "web", replica: 999))
        #expect(LogTarget("a/b") == nil)
    }
}

@Test func daemonLinesAboutAReplicaCarryItsLabelAndAMark() {
    var formatter = LogLineFormatter(colour: false, labels: ["web.0"])
    let line = LogEntry(service: "web", replica: 0, stream: .daemon, time: 0, line: "ready (pid 42)")
    #expect(formatter.format(line) == "web.0 | [berth] ready (pid 42)")
}
