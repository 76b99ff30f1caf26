import Foundation
import Testing

@testable import BerthAdmin

#if canImport(Glibc)
    import Glibc
#endif

/// The generated admin token's file (issue #13, finding 1): created 0600 with O_EXCL, reused across restarts, and
/// replaced or refused when it is not safe to trust.
@Suite struct AdminTokenFileTests {
    func directory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/berth-token-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw AdminTokenFile.Failure(description: "mkdtemp") }
        return String(cString: made)
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        lstat(path, &info)
        return info.st_mode & 0o7777
    }

    @Test func createsAPrivateRandomTokenAndReusesIt() throws {
        let path = try directory() + "/admin-token"
        let first = try AdminTokenFile.loadOrCreate(path: path)
        #expect(first.outcome == .created)
        #expect(first.token.count == 64 && AdminTokenFile.isWellFormed(Array(first.token.utf8)))
        #expect(mode(path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == first.token + "\n")
        let again = try AdminTokenFile.loadOrCreate(path: path)
        #expect(again.token == first.token && again.outcome == .reused)
        let other = try AdminTokenFile.loadOrCreate(path: try directory() + "/admin-token")
        #expect(other.token != first.token)
    }

    @Test func aReadableOrMalformedFileIsReplaced() throws {
        let path = try directory() + "/admin-token"
        let old = try AdminTokenFile.loadOrCreate(path: path).token
        chmod(path, 0o644)
        let replaced = try AdminTokenFile.loadOrCreate(path: path)
        #expect(replaced.outcome == .replaced(reason: "mode 644 lets other users read it"))
        #expect(replaced.token != old && mode(path) == 0o600)
        try "short\n".write(toFile: path, atomically: false, encoding: .utf8)
        let rewritten = try AdminTokenFile.loadOrCreate(path: path)
        #expect(rewritten.outcome == .replaced(reason: "it does not hold a well-formed token"))
        #expect(rewritten.token.count == 64)
    }

    @Test func aSymlinkAnotherOwnersFileOrADirectoryIsRefused() throws {
        let dir = try directory()
        let target = dir + "/elsewhere"
        try String(repeating: "a", count: 64).write(toFile: target, atomically: false, encoding: .utf8)
        chmod(target, 0o600)
        symlink(target, dir + "/admin-token")
        #expect(throws: AdminTokenFile.Failure.self) { try AdminTokenFile.loadOrCreate(path: dir + "/admin-token") }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == String(repeating: "a", count: 64))
        let directoryPath = dir + "/dir-token"
        mkdir(directoryPath, 0o700)
        #expect(throws: AdminTokenFile.Failure.self) { try AdminTokenFile.loadOrCreate(path: directoryPath) }
        if geteuid() == 0 {
            let planted = dir + "/planted-token"
            try String(repeating: "b", count: 64).write(toFile: planted, atomically: false, encoding: .utf8)
            chmod(planted, 0o600)
            chown(planted, 65534, 65534)
            let error = #expect(throws: AdminTokenFile.Failure.self) { try AdminTokenFile.loadOrCreate(path: planted) }
            #expect(error?.description.contains("belongs to uid 65534") == true)
        }
    }
}
