#if canImport(Glibc)
    public import Glibc
#elseif canImport(Darwin)
    public import Darwin
#endif

/// Whether anyone but us (and root) could replace a directory or one above it, as OpenSSH's `safe_path` asks:
/// checking only the last directory let another user who owned an ancestor rename it away and plant a fake
/// daemon's socket for root's `berth` (issue 13). Used by the daemon before it serves or keeps state in a
/// directory, and by the CLI before it trusts a socket.
public enum TrustedPath {
    /// A directory on the way that another user could replace, worded for the user.
    public struct Untrusted: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        /// The directory, or one on the way, does not exist (ENOENT, ENOTDIR): nothing to trust or distrust. A
        /// client that raced a daemon removing its socket's directory as it exits sees no daemon, not a threat
        /// (audit12).
        public var vanished = false
    }

    /// What `lstat` says about one directory on the way, for `verdict`.
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var owner: UInt32
        public var mode: UInt32

        public init(path: String, owner: UInt32, mode: UInt32) {
            self.path = path
            self.owner = owner
            self.mode = mode
        }
    }

    /// Checks every directory from `/` down to `directory` (resolved through symbolic links first: a link's target
    /// is what gets used). Each must belong to root or to `uid`, and may be writable by the group or others only
    /// when it is sticky (/tmp), where nobody else may rename what root or `uid` owns. Returns the resolved path.
    @discardableResult
    public static func check(directory: String, uid: UInt32 = geteuid()) throws(Untrusted) -> String {
        guard let resolved = realpath(directory, nil) else {
            throw Untrusted(
                description: "cannot resolve \(directory): \(String(cString: strerror(errno)))",
                vanished: errno == ENOENT || errno == ENOTDIR)
        }
        let path = String(cString: resolved)
        free(resolved)
        var entries: [Entry] = []
        var prefix = ""
        for component in [""] + path.split(separator: "/").map(String.init) {
            prefix = component.isEmpty ? "/" : (prefix == "/" ? "" : prefix) + "/" + component
            var info = stat()
            guard lstat(prefix, &info) == 0 else {
                throw Untrusted(
                    description: "cannot stat \(prefix): \(String(cString: strerror(errno)))",
                    vanished: errno == ENOENT || errno == ENOTDIR)
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw Untrusted(description: "\(prefix) is not a directory")
            }
            entries.append(Entry(path: prefix, owner: info.st_uid, mode: UInt32(info.st_mode & 0o7777)))
        }
        if let problem = verdict(entries, uid: uid) { throw problem }
        return path
    }

    /// The first entry (from the root down) that another user could replace, or nil. Pure, for tests.
    public static func verdict(_ entries: [Entry], uid: UInt32) -> Untrusted? {
        for entry in entries {
            guard entry.owner == 0 || entry.owner == uid else {
                return Untrusted(
                    description: "\(entry.path) is owned by uid \(entry.owner), not by root or by us (uid \(uid)): "
                        + "that user could replace what lies below it")
            }
            let writableByOthers = entry.mode & 0o022 != 0
            let sticky = entry.mode & UInt32(S_ISVTX) != 0
            if writableByOthers && !sticky {
                return Untrusted(
                    description: "\(entry.path) is writable by other users (mode \(String(entry.mode, radix: 8))) "
                        + "and not sticky: they could replace what lies below it; remove group and other write "
                        + "permission (chmod go-w)")
            }
        }
        return nil
    }
}
