import BerthManifest
import Foundation
import Testing

@testable import BerthCLI

/// Runs real build commands: success records the fingerprint (the next run skips), failure reports the exit
/// status and the last output lines.
@Suite(.timeLimit(.minutes(1)))
struct BuildRunnerTests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-build-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder + "/src", withIntermediateDirectories: true)
        try "v1".write(toFile: folder + "/src/input.txt", atomically: true, encoding: .utf8)
    }

    func runner() -> BuildRunner {
        BuildRunner(stateDirectory: folder + "/state", environment: ProcessInfo.processInfo.environment, force: false)
    }

    func step(_ script: String) throws -> BuildStep {
        BuildStep(
            spec: BuildSpec(command: ["sh", "-c", script], workdir: folder, inputs: [try GlobPattern("src")]),
            services: ["api"])
    }

    @Test func successIsRecordedAndTheNextRunSkipsUntilAnInputChanges() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let step = try step("echo built >> count.txt")
        try runner().run(step)
        try runner().run(step)
        #expect(try String(contentsOfFile: folder + "/count.txt", encoding: .utf8) == "built\n")
        try "v2, longer".write(toFile: folder + "/src/input.txt", atomically: true, encoding: .utf8)
        try runner().run(step)
        #expect(try String(contentsOfFile: folder + "/count.txt", encoding: .utf8) == "built\nbuilt\n")
        let log = try String(
            contentsOfFile: folder + "/state/builds/" + BuildFingerprint.name(step.spec.identity)
                + ".log", encoding: .utf8)
        #expect(log.isEmpty)
    }

    @Test func failureGivesTheStatusAndTheLastLines() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let step = try step("for i in $(seq 1 30); do echo line $i; done; echo 'error: broken' >&2; exit 3")
        do {
            try runner().run(step)
            Issue.record("the build should fail")
        } catch {
            #expect(error.message.hasPrefix("build (api) failed with exit status 3 after"))
            #expect(error.details.last == "  error: broken")
            #expect(error.details.count == 1 + BuildRunner.failureLines)
        }
        // A failed build records nothing: it runs again.
        #expect(throws: CLIFailure.self) { try runner().run(step) }
    }

    @Test func missingProgramIsAClearError() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let step = BuildStep(spec: BuildSpec(command: ["no-such-program-berth"], workdir: folder), services: ["api"])
        #expect(throws: CLIFailure.failed("build command 'no-such-program-berth' not found on PATH")) {
            try runner().run(step)
        }
    }
}
