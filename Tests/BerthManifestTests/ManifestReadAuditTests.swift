import BerthManifest
import Foundation
import Testing

@testable import BerthManifestYAML

/// Found by the second outside audit (audit2): `berth -f /dev/null check` said "cannot read the manifest", and a
/// manifest from a pipe (`berth -f <(generate) up`) could not be read at all: FileManager reads regular files only.
@Suite struct ManifestReadAuditTests {
    private func message(_ path: String) -> String {
        do {
            _ = try ManifestLoader.load(path: path, environment: [:], accounts: .skip)
            return "loaded"
        } catch {
            return error.diagnostics.map(\.message).joined(separator: "; ")
        }
    }

    @Test func devNullIsAnEmptyManifest() {
        #expect(message("/dev/null") == "the manifest is empty")
    }

    @Test func aManifestFromAPipeIsRead() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let text = "services:\n  web:\n    command: sleep 1000\n"
        _ = text.withCString { write(fds[1], $0, strlen($0)) }
        close(fds[1])
        defer { close(fds[0]) }
        #expect(message("/dev/fd/\(fds[0])") == "loaded")
    }
}

/// Found by the third outside audit (audit3): the files a manifest names were read without bound and whatever they
/// were. `include: /dev/zero` (or a `.env` linked to it) made the loader read until the machine ran out of memory;
/// an `env_file` that is a FIFO nobody writes blocked `berth check` for ever (before: both tests hang or crash).
@Suite struct ManifestFilesAuditTests {
    private func errors(_ yaml: String, in directory: String) -> [String] {
        let path = directory + "/berth.yaml"
        FileManager.default.createFile(atPath: path, contents: Data(yaml.utf8))
        do {
            _ = try ManifestLoader.load(path: path, environment: [:], accounts: .skip)
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }.map(\.message)
        }
    }

    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("berth-audit3-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func anEndlessIncludeIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(
            errors("include: /dev/zero\nservices:\n  web: { command: a }\n", in: directory) == [
                "included file '/dev/zero' is not a regular file (a device, FIFO or socket)"
            ])
    }

    @Test func aDotEnvLinkedToADeviceIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createSymbolicLink(atPath: directory + "/.env", withDestinationPath: "/dev/zero")
        #expect(
            errors("services:\n  web: { command: a }\n", in: directory) == [
                "'\(directory)/.env' is not a regular file (a device, FIFO or socket)"
            ])
    }

    @Test func aFIFOEnvFileDoesNotBlock() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(mkfifo(directory + "/web.env", 0o600) == 0)
        #expect(
            errors("services:\n  web: { command: a, env_file: web.env }\n", in: directory) == [
                "env_file '\(directory)/web.env' is not a regular file (a device, FIFO or socket)"
            ])
    }

    @Test func aHugeIncludeIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let comment = Data(("# " + String(repeating: "x", count: 1000) + "\n").utf8)
        var big = Data("services: {}\n".utf8)
        for _ in 0..<5000 { big.append(comment) }
        FileManager.default.createFile(atPath: directory + "/big.yaml", contents: big)
        #expect(
            errors("include: big.yaml\nservices:\n  web: { command: a }\n", in: directory) == [
                "included file '\(directory)/big.yaml' is larger than 4 MiB"
            ])
    }

    @Test func anEndlessManifestIsRefused() {
        do {
            _ = try ManifestLoader.load(path: "/dev/zero", environment: [:], accounts: .skip)
            Issue.record("/dev/zero loaded")
        } catch {
            #expect(error.diagnostics.map(\.message) == ["the manifest is larger than 4 MiB"])
        }
    }

    private func warnings(_ yaml: String, in directory: String) throws -> [String] {
        let path = directory + "/berth.yaml"
        FileManager.default.createFile(atPath: path, contents: Data(yaml.utf8))
        return try ManifestLoader.load(path: path, environment: [:], accounts: .skip).warnings.map(\.description)
    }

    /// audit3: a manifest file anyone can write decides what berthd runs; nothing said so (before: no warning).
    @Test func filesOthersCanWriteAreWarnedAbout() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        FileManager.default.createFile(atPath: directory + "/more.yaml", contents: Data("services: {}\n".utf8))
        FileManager.default.createFile(atPath: directory + "/.env", contents: Data("A=1\n".utf8))
        #expect(chmod(directory + "/more.yaml", 0o666) == 0)
        #expect(chmod(directory + "/.env", 0o646) == 0)
        #expect(
            try warnings("include: more.yaml\nservices:\n  web: { command: a }\n", in: directory) == [
                "\(directory)/berth.yaml:1:10: warning: '\(directory)/more.yaml' can be written by every user (mode 666): "
                    + "whoever can change it changes what berth runs",
                "\(directory)/.env:1:1: warning: '\(directory)/.env' can be written by every user (mode 646): whoever "
                    + "can change it changes what berth runs",
            ])
        #expect(chmod(directory + "/berth.yaml", 0o666) == 0)
        #expect(chmod(directory + "/more.yaml", 0o644) == 0)
        #expect(chmod(directory + "/.env", 0o600) == 0)
        let path = directory + "/berth.yaml"
        let loaded = try ManifestLoader.load(path: path, environment: [:], accounts: .skip)
        #expect(
            loaded.warnings.map(\.description) == [
                "\(path):1:1: warning: '\(path)' can be written by every user (mode 666): whoever can change it "
                    + "changes what berth runs"
            ])
    }

    @Test func whoMayWrite() {
        #expect(TextFile.foreignWriter(owner: 0, mode: 0o644, loader: 1000) == nil)
        #expect(TextFile.foreignWriter(owner: 1000, mode: 0o664, loader: 1000) == nil)
        #expect(
            TextFile.foreignWriter(owner: 65534, mode: 0o644, loader: 0)
                == "belongs to nobody, not to the loading user (uid 0) or root")
        #expect(TextFile.foreignWriter(owner: 0, mode: 0o666, loader: 0) == "can be written by every user (mode 666)")
    }

    /// audit3: a file of ours in a folder everyone can write can be replaced by anyone (before: no warning).
    @Test func aFolderOthersCanWriteIsWarnedAbout() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(chmod(directory, 0o777) == 0)
        let path = directory + "/berth.yaml"
        FileManager.default.createFile(atPath: path, contents: Data("services:\n  web: { command: a }\n".utf8))
        #expect(
            try ManifestLoader.load(path: path, environment: [:], accounts: .skip).warnings.map(\.message) == [
                "'\(path)' is in a folder every user can write (mode 777, not sticky): whoever can change it changes "
                    + "what berth runs"
            ])
        #expect(TextFile.foreignFolderWriter(owner: 0, mode: 0o1777, loader: 1000) == nil)
        #expect(TextFile.foreignFolderWriter(owner: 1000, mode: 0o755, loader: 1000) == nil)
        #expect(
            TextFile.foreignFolderWriter(owner: 65534, mode: 0o755, loader: 0)
                == "is in a folder that belongs to nobody")
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to give a file away"))
    func anIncludeOfAnotherUserIsWarnedAbout() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        FileManager.default.createFile(atPath: directory + "/theirs.yaml", contents: Data("services: {}\n".utf8))
        #expect(chown(directory + "/theirs.yaml", 65534, 65534) == 0)
        #expect(
            try warnings("include: theirs.yaml\nservices:\n  web: { command: a }\n", in: directory) == [
                "\(directory)/berth.yaml:1:10: warning: '\(directory)/theirs.yaml' belongs to nobody, not to the loading "
                    + "user (uid 0) or root: whoever can change it changes what berth runs"
            ])
    }

    /// audit3: a watch path linked out of the project was watched silently; it is now not watched, and said.
    @Test func aWatchPathLinkedOutIsWarnedAbout() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createSymbolicLink(atPath: directory + "/src", withDestinationPath: "/usr")
        #expect(
            try warnings("services:\n  web: { command: a, watch: [src] }\n", in: directory) == [
                "\(directory)/berth.yaml:2:29: warning: watch path 'src' leads out of the manifest's folder (to /usr) "
                    + "through a symbolic link: it is not watched"
            ])
    }
}
