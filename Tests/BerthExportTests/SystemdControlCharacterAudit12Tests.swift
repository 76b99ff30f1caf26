import BerthExport
import BerthManifest
import Testing

/// audit12: systemd ends a unit file's line at CR as at LF, but the export wrote a CR in an env value or a command
/// argument as is (only spaces, quotes, `;`, tab and LF made it quote). `env: { X: "a\rUser=root" }` then gave the
/// unit a `User=root` line of its own (`systemd-analyze verify` reads it as line N+1). Every control character is now
/// written as a C escape inside quotes, which systemd undoes.
@Suite struct SystemdControlCharacterAudit12Tests {
    @Test func aCarriageReturnInAValueOrAnArgumentStaysInsideItsLine() throws {
        let manifest = try ExportFixtures.loadYAML(
            """
            services:
              web:
                command: ["app", "x\\rExecStartPre=/tmp/evil", "bell\\a"]
                env: { X: "a\\rUser=root" }
            """)
        let result = SystemdExporter.export(manifest, options: .init(systemdVersion: 252))
        let unit = try #require(result.contents(of: "app-web@.service"))
        #expect(!unit.unicodeScalars.contains("\r"), "\(unit.debugDescription)")
        let lines = unit.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("User=") || $0.hasPrefix("ExecStartPre=") }, "\(lines)")
        #expect(lines.contains("Environment=\"X=a\\rUser=root\""), "\(lines)")
        let execStart = lines.first { $0.hasPrefix("ExecStart=") }
        #expect(execStart?.hasSuffix(" \"x\\rExecStartPre=/tmp/evil\" \"bell\\x07\"") == true, "\(lines)")
    }
}
