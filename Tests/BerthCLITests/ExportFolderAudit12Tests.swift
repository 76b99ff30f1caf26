import Foundation
import Testing

@testable import BerthCLI

#if canImport(Glibc)
    import Glibc
#endif

/// audit12 (audit11's leftover): `berth export systemd -o DIR` into a folder another user can change wrote the units
/// without a word, and that user could edit `ExecStart=` before root installed them: a folder writable by others and
/// not sticky, one owned by another user, or a drop-in folder they had created in /tmp before the export. The export
/// now refuses (exit 77) unless `--allow-shared-output` is given, and then warns.
@Suite(.serialized) struct ExportFolderAudit12Tests {
    private let base = FileManager.default.temporaryDirectory.path + "/berth-export-audit12-" + UUID().uuidString

    private func project() throws -> String {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        chmod(base, 0o700)
        let manifest = base + "/berth.yaml"
        // `image` for the Kubernetes export (the systemd export does not use it).
        try
            "name: p\nservices:\n  web:\n    command: [sleep, '100']\n    image: registry.example/web:1\n    port: auto\n    replicas: 2\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        return manifest
    }

    private func export(_ manifest: String, to folder: String, allow: Bool = false, kubernetes: Bool = false) throws {
        var arguments = ["-f", manifest, "-o", folder]
        if allow { arguments.append("--allow-shared-output") }
        if kubernetes {
            try BerthCommand.ExportKubernetes.parse(arguments).run()
        } else {
            try BerthCommand.ExportSystemd.parse(arguments).run()
        }
    }

    private func refusal(_ body: () throws -> Void) -> CLIFailure? {
        do {
            try body()
            return nil
        } catch let failure as CLIFailure {
            return failure
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func aFolderOthersCanWriteIsRefusedUnlessAllowed() throws {
        let manifest = try project()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let shared = base + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
        chmod(shared, 0o777)
        let failure = refusal { try export(manifest, to: shared) }
        #expect(failure?.exitCode == .permissionDenied)
        #expect(failure?.message.contains("is writable by other users") == true, "\(String(describing: failure))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: shared).isEmpty, "nothing written")
        // A folder below it, to be created, is no better: whoever can write `shared` can replace it.
        #expect(refusal { try export(manifest, to: shared + "/units") }?.exitCode == .permissionDenied)

        try export(manifest, to: shared, allow: true)
        #expect(FileManager.default.fileExists(atPath: shared + "/p-web@.service"))
    }

    @Test func aDropInFolderAnotherUserPlantedInAStickyFolderIsRefused() throws {
        guard geteuid() == 0 else { return }  // chown needs root (CI runs as root)
        let manifest = try project()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let sticky = base + "/tmp"
        try FileManager.default.createDirectory(atPath: sticky, withIntermediateDirectories: false)
        chmod(sticky, 0o1777)
        // As /tmp itself: the export may write there...
        try export(manifest, to: sticky)
        #expect(FileManager.default.fileExists(atPath: sticky + "/p-web@1.service.d/10-berth-replica.conf"))
        // ...but not into a drop-in folder another user made there first, where they could replace the drop-in.
        let planted = sticky + "/p-web@0.service.d"
        try FileManager.default.removeItem(atPath: planted)
        try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: false)
        #expect(chown(planted, 65534, 65534) == 0)
        let failure = refusal { try export(manifest, to: sticky) }
        #expect(failure?.exitCode == .permissionDenied)
        #expect(failure?.message.contains("owned by uid 65534") == true, "\(String(describing: failure))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: planted).isEmpty, "nothing written into it")
    }

    @Test func aPrivateFolderIsWrittenAsBefore() throws {
        let manifest = try project()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try export(manifest, to: base + "/out/units")
        #expect(FileManager.default.fileExists(atPath: base + "/out/units/p.target"))
    }

    /// The same check for `berth export kubernetes -o DIR` (audit12's leftover, taken by the lead): what another user
    /// changes in such a folder is applied to the cluster by whoever runs `kubectl apply` on it. Stdout (`-o -`, the
    /// default) has no folder to check.
    @Test func theKubernetesExportRefusesASharedFolderToo() throws {
        let manifest = try project()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let shared = base + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
        chmod(shared, 0o777)
        let failure = refusal { try export(manifest, to: shared, kubernetes: true) }
        #expect(failure?.exitCode == .permissionDenied)
        #expect(failure?.message.contains("is writable by other users") == true, "\(String(describing: failure))")
        #expect(failure?.details.joined().contains("applied to the cluster") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: shared).isEmpty, "nothing written")

        try export(manifest, to: shared, allow: true, kubernetes: true)
        #expect(try !FileManager.default.contentsOfDirectory(atPath: shared).isEmpty)
        try export(manifest, to: base + "/k8s", kubernetes: true)
        #expect(try !FileManager.default.contentsOfDirectory(atPath: base + "/k8s").isEmpty)
    }
}
