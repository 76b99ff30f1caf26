import BerthManifest
import Foundation
import Testing

@testable import BerthCLI

/// The build step's fingerprint and the run-or-skip decision, plus a real scan of a folder.
@Suite struct BuildFingerprintTests {
    let identity = BuildIdentity(command: ["swift", "build"], workdir: "/w")
    let files = [
        BuildInputFile(path: "a.swift", size: 10, modified: 1),
        BuildInputFile(
            path: "b.swift", size: 5,
            modified: 2),
    ]

    @Test func sameInputsSameFingerprintInAnyOrder() {
        #expect(
            BuildFingerprint.compute(identity, files: files)
                == BuildFingerprint.compute(identity, files: files.reversed()))
    }

    @Test func anyChangeChangesIt() {
        let base = BuildFingerprint.compute(identity, files: files)
        var touched = files
        touched[0].modified = 3
        var grown = files
        grown[1].size = 6
        #expect(BuildFingerprint.compute(identity, files: touched) != base)
        #expect(BuildFingerprint.compute(identity, files: grown) != base)
        #expect(BuildFingerprint.compute(identity, files: Array(files.prefix(1))) != base)
        #expect(
            BuildFingerprint.compute(
                BuildIdentity(command: ["swift", "build", "-c", "release"], workdir: "/w"),
                files: files) != base)
        #expect(
            BuildFingerprint.compute(BuildIdentity(command: ["swiftbuild"], workdir: "/w"), files: files)
                != BuildFingerprint.compute(BuildIdentity(command: ["swift", "build"], workdir: "/w"), files: files))
    }

    @Test func decision() {
        #expect(BuildDecision.decide(stored: "x", current: "x", hasInputs: true, force: false) == .skip)
        #expect(BuildDecision.decide(stored: "x", current: "y", hasInputs: true, force: false) == .run(.inputsChanged))
        #expect(BuildDecision.decide(stored: nil, current: "y", hasInputs: true, force: false) == .run(.firstBuild))
        #expect(BuildDecision.decide(stored: "x", current: "x", hasInputs: false, force: false) == .run(.noInputs))
        #expect(BuildDecision.decide(stored: "x", current: "x", hasInputs: true, force: true) == .run(.forced))
    }

    @Test func scanFindsMatchesSkipsHiddenFoldersAndNotesMissingFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-scan-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for path in ["Sources/App/main.swift", "Sources/App/notes.txt", "Sources/.build/x.swift", "Package.swift"] {
            let full = folder + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try "x".write(toFile: full, atomically: true, encoding: .utf8)
        }
        let spec = BuildSpec(
            command: ["make"], workdir: folder,
            inputs: [
                try GlobPattern("Sources/**/*.swift"), try GlobPattern("Package.swift"),
                try GlobPattern("Makefile"),
            ])
        let scanned = BuildInputScanner.scan(spec).map(\.path)
        #expect(scanned == ["Package.swift", "Sources/App/main.swift", "missing:Makefile"])
        let before = BuildFingerprint.compute(spec.identity, files: BuildInputScanner.scan(spec))
        try "longer".write(toFile: folder + "/Sources/App/main.swift", atomically: true, encoding: .utf8)
        #expect(BuildFingerprint.compute(spec.identity, files: BuildInputScanner.scan(spec)) != before)
    }
}
