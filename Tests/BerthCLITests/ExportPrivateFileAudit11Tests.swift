import BerthExport
import Foundation
import Testing

@testable import BerthCLI

#if canImport(Glibc)
    import Glibc
#endif

/// audit11: root's `berth export systemd -o DIR` into a folder another user can write opened a `P-SERVICE.secrets`
/// that user had created there first (`O_CREAT | O_TRUNC`, then `fchmod` 0600) and wrote the secrets into it: the
/// file stayed theirs, and a descriptor they had opened before read the secrets. The secrets now go to a new file
/// of ours, renamed into place.
struct ExportPrivateFileAudit11Tests {
    @Test func aSecretsFileAnotherUserPreparedIsReplacedNotFilled() throws {
        let folder = FileManager.default.temporaryDirectory.path + "/berth-export-audit11-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/p-api.secrets"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        chmod(path, 0o666)
        // Another user's file when the test runs as root (as it does in CI); ours otherwise, which shows the same.
        if geteuid() == 0 { #expect(chown(path, 65534, 65534) == 0) }
        let planted = open(path, O_RDONLY)  // what the other user keeps open, waiting
        #expect(planted >= 0)
        defer { close(planted) }

        var result = ExportResult(
            files: [(name: "p-api.secrets", contents: "DB_PASSWORD=\"TopSecret123\"\n")], warnings: [], errors: [])
        result.privateFiles = ["p-api.secrets"]
        try ExportOutput.finish(result, file: "berth.yaml", output: folder, stream: false)

        var bytes = [UInt8](repeating: 0, count: 256)
        #expect(read(planted, &bytes, bytes.count) == 0, "nothing reaches the file that was there")
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_uid == geteuid(), "the secrets file is ours")
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "DB_PASSWORD=\"TopSecret123\"\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(left == ["p-api.secrets"], "no temporary file left")
    }
}
