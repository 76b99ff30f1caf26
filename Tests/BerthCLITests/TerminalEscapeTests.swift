import BerthControlProtocol
import BerthLogging
import Foundation
import Testing

@testable import BerthCLI

/// What a replica prints reaches a terminal with its control characters made visible: `berth logs` and `berth up`
/// on a TTY, the status table, the not-ready report, events and failures; `--json` and `berth logs` to a pipe stay
/// exact.
struct TerminalEscapeTests {
    static let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J"
    static let shown = "\\x1b]0;pwned\\x07\\x1b[2J"

    @Test func controlCharactersBecomeVisibleEscapes() {
        #expect(TerminalText.visible(Self.hostile) == Self.shown)
        #expect(
            TerminalText.visible("tab\tstays, crlf\r\n, nul\u{0}, del\u{7F}")
                == "tab\tstays, crlf\\x0d\\x0a, nul\\x00, del\\x7f")
        #expect(TerminalText.visible("c1 \u{9B}31m and \u{85}") == "c1 \\u{9b}31m and \\u{85}")
        #expect(TerminalText.visible("plain, ünïcødé, back\\slash, ✓") == "plain, ünïcødé, back\\slash, ✓")
        #expect(TerminalText.visible(Self.shown) == Self.shown, "escaping twice changes nothing")
    }

    /// audit5: bidirectional controls reached the terminal raw, so a replica's `U+202E` showed the rest of its line
    /// reversed ("paid: 0001$" read as "$1000 :diap"), and `U+2066`...`U+2069` could hide text ("Trojan Source").
    @Test func bidirectionalControlsBecomeVisibleEscapes() {
        #expect(TerminalText.visible("ok \u{202E}1000$") == "ok \\u{202e}1000$")
        for scalar in [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069] {
            let text = String(Character(Unicode.Scalar(scalar)!))
            #expect(TerminalText.visible(text) == "\\u{\(String(scalar, radix: 16))}")
        }
        // Right-to-left text itself is not a control: Arabic and Hebrew stay as they are.
        #expect(TerminalText.visible("שלום مرحبا") == "שלום مرحبا")
    }

    @Test func logsEscapeOnATerminalAndStayExactInAPipeAndInJSON() throws {
        let record = LogRecord(
            time: 0, priority: 3, project: "p", service: "web", replica: 0, pid: 7,
            message: "x " + Self.hostile)
        var tty = LogRecordPrinter(json: false, colour: true, escape: true, labels: ["web.0"])
        #expect(tty.format(record).hasSuffix("|\u{1B}[0m x " + Self.shown), "\(tty.format(record))")
        var pipe = LogRecordPrinter(json: false, colour: false, escape: false, labels: ["web.0"])
        #expect(pipe.format(record) == "web.0 | x " + Self.hostile)
        var json = LogRecordPrinter(json: true, colour: false, escape: false, labels: [])
        let line = json.format(record)
        #expect(!line.contains("\u{1B}"))
        let decoded = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(decoded?["message"] as? String == "x " + Self.hostile)
    }

    @Test func theFormatterOfUpEscapesWhenAsked() {
        var formatter = LogLineFormatter(colour: false, escape: true)
        let entry = LogEntry(service: "web", replica: 0, stream: .stderr, time: 0, line: Self.hostile)
        #expect(formatter.format(entry) == "web.0 | " + Self.shown)
    }

    @Test func statusTableReportAndEventsAlwaysEscape() {
        var status = sampleStatus
        status.services[1].replicas[0].reason = "crashed: " + Self.hostile
        status.services[1].replicas[0].lastStderr = [Self.hostile]
        status.problems = ["problem " + Self.hostile]
        let table = StatusTable.render(status)
        #expect(!table.contains("\u{1B}") && table.contains("reason: crashed: " + Self.shown), "\(table)")
        #expect(table.contains("problem: problem " + Self.shown))

        let response = OperationResponse(
            ok: false, message: "m",
            notReady: [NotReady(service: "worker", replica: 0, state: .failed, reason: Self.hostile)], status: status)
        let details = NotReadyReport.lines(response)
        #expect(
            details.contains("  worker.0 (failed): " + Self.shown) && details.contains("      " + Self.shown),
            "\(details)")
        #expect(!details.joined().contains("\u{1B}"))

        let event = DaemonEvent(time: 0, kind: .replica, service: "web", replica: 0, message: Self.hostile)
        #expect(EventLine.format(event).hasSuffix(" web.0 " + Self.shown))
    }
}

/// audit11: ArgumentParser's usage errors quote the arguments, and they reached the terminal raw (`berth logs
/// "$NAME"` with a name taken from a replica's output cleared the screen and retitled the window).
struct UsageErrorEscapeAudit11Tests {
    @Test func usageErrorsShowTheArgumentsControlCharactersVisibly() {
        for arguments in [
            ["logs", "web" + TerminalEscapeTests.hostile], ["stop", TerminalEscapeTests.hostile],
            ["scale", "w" + TerminalEscapeTests.hostile + "=2"], ["logs", "--since", TerminalEscapeTests.hostile],
        ] {
            do {
                _ = try BerthCommand.parseCommandLine(arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                #expect(BerthCommand.fullMessage(for: error).contains("\u{1B}"), "ArgumentParser quotes it raw")
                let text = BerthCLI.refusalText(error)
                #expect(!text.unicodeScalars.contains { TerminalText.needsEscape($0) && $0 != "\n" }, "\(text)")
                #expect(text.contains(TerminalEscapeTests.shown), "\(text)")
                #expect(text.contains("\n"), "the usage lines stay lines")
                #expect(BerthCommand.exitCode(for: error).rawValue == 64)
            }
        }
    }
}
