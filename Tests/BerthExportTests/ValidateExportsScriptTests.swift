import Foundation
import Testing

/// Runs scripts/validate-exports.sh (kubernetes-validate --strict and systemd-analyze verify on the golden files).
@Suite struct ValidateExportsScriptTests {
    static let toolsMissing: String? = {
        for tool in ["python3", "systemd-analyze", "bash"] where !onPath(tool) {
            return "\(tool) is not installed"
        }
        return nil
    }()

    private static func onPath(_ tool: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    @Test(
        .enabled(if: toolsMissing == nil, "needs python3 (with pip and venv) and systemd-analyze"),
        .timeLimit(.minutes(5)))
    func goldenFilesPassTheRealValidators() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [ExportFixtures.root + "/scripts/validate-exports.sh"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "validate-exports.sh failed:\n\(text)")
        #expect(text.contains("all exports valid"))
    }
}
