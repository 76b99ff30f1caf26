import BerthManifest
import Foundation
import Testing

@testable import BerthSupervisor

#if canImport(Glibc)
    import Glibc
#endif

/// What `watch:`'s listing sees in a real folder: matches, ignores, hidden folders, link loops, and changes.
@Suite struct WatchScannerTests {
    @Test func listsMatchesSkipsIgnoredHiddenAndLinkLoopsAndSeesChanges() throws {
        let root = NSTemporaryDirectory() + "berth-watch-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = FileManager.default
        for folder in ["src/app", "src/.git", "src/node_modules", "other"] {
            try files.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        for file in [
            "src/app/main.c", "src/app/.main.c.swp", "src/.git/HEAD", "src/node_modules/x.js", "other/o.c",
            "berth.yaml",
        ] {
            try "x".write(toFile: root + "/" + file, atomically: true, encoding: .utf8)
        }
        try files.createSymbolicLink(atPath: root + "/src/app/loop", withDestinationPath: root + "/src")
        let spec = WatchSpec(
            paths: [try GlobPattern("src"), try GlobPattern("*.yaml")],
            ignore: [try GlobPattern("*.swp"), try GlobPattern("node_modules")], directory: root)
        let scanner = WatchScanner(spec: spec)
        let before = scanner.snapshot()
        #expect(before.keys.sorted() == ["berth.yaml", "src/app/main.c"])
        try "longer".write(toFile: root + "/src/app/main.c", atomically: true, encoding: .utf8)
        try "y".write(toFile: root + "/src/app/new.c", atomically: true, encoding: .utf8)
        try files.removeItem(atPath: root + "/berth.yaml")
        #expect(
            WatchScanner.changes(from: before, to: scanner.snapshot())
                == ["berth.yaml", "src/app/main.c", "src/app/new.c"])
    }

    /// audit3: a pattern whose own folder is a link out of the manifest's folder (`src -> OUTSIDE`) was walked, so
    /// files outside the project were watched and their changes rebuilt the service (before: `outside.c` listed).
    /// A link that stays inside (`lib -> src`) is still followed.
    @Test func aRootLinkedOutOfTheProjectIsNotWalked() throws {
        let base = NSTemporaryDirectory() + "berth-watch-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let files = FileManager.default
        try files.createDirectory(atPath: base + "/project/src", withIntermediateDirectories: true)
        try files.createDirectory(atPath: base + "/outside", withIntermediateDirectories: true)
        try "x".write(toFile: base + "/outside/outside.c", atomically: true, encoding: .utf8)
        try "x".write(toFile: base + "/project/src/main.c", atomically: true, encoding: .utf8)
        try files.createSymbolicLink(atPath: base + "/project/out", withDestinationPath: base + "/outside")
        try files.createSymbolicLink(atPath: base + "/project/lib", withDestinationPath: "src")
        let spec = WatchSpec(
            paths: [try GlobPattern("out"), try GlobPattern("out/**/*.c"), try GlobPattern("lib")],
            directory: base + "/project")
        #expect(WatchScanner(spec: spec).snapshot().keys.sorted() == ["lib/main.c"])
        #expect(spec.outsideTarget(of: "out") == base + "/outside")
        #expect(spec.outsideTarget(of: "lib") == nil)
    }
}
