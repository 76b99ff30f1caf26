#if canImport(Glibc)
    import Glibc
#endif

/// The admin listener's generated bearer token, kept in the state directory (`admin-token`, mode 0600) when the
/// manifest names none, so that scripts can read it and a restarted daemon keeps it.
///
/// Opened with `O_NOFOLLOW` (a planted symlink is refused, never followed) and created with `O_EXCL` (never written
/// through a file that appeared meanwhile). An existing file is reused only if it is a regular file owned by this
/// user, readable by nobody else, and holds a well-formed token; a loose mode or a malformed token is replaced,
/// anything else (a symlink, another owner, a directory) is refused with a message naming the file.
public enum AdminTokenFile {
    public static let fileName = "admin-token"

    /// Why the token file cannot be used.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// What `loadOrCreate` found.
    public enum Outcome: Sendable, Equatable {
        case reused
        case created
        /// The old file was replaced: `reason` says why (log it: the old token may have leaked).
        case replaced(reason: String)
    }

    /// The token at `path`, created if there is none.
    public static func loadOrCreate(path: String) throws(Failure) -> (token: String, outcome: Outcome) {
        var replacedBecause: String?
        for _ in 0..<3 {
            switch try read(path) {
            case .token(let token):
                return (token, replacedBecause.map { .replaced(reason: $0) } ?? .reused)
            case .unusable(let reason):
                guard unlink(path) == 0 || errno == ENOENT else {
                    throw Failure(description: "cannot remove \(path) (\(reason)): \(message(errno))")
                }
                replacedBecause = reason
            case .missing:
                break
            }
            let token = Dashboard.newToken()
            if try create(path, token: token) {
                return (token, replacedBecause.map { .replaced(reason: $0) } ?? .created)
            }
            // Another process created it between our look and our create: read what it wrote.
        }
        throw Failure(description: "\(path) keeps changing while berthd reads it")
    }

    private enum Found {
        case token(String)
        case missing
        /// Ours, but not safe or not well-formed: replace it.
        case unusable(String)
    }

    private static func read(_ path: String) throws(Failure) -> Found {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { return .missing }
            if code == ELOOP { throw Failure(description: "\(path) is a symbolic link; refusing to follow it") }
            throw Failure(description: "cannot open \(path): \(message(code))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(description: "cannot stat \(path): \(message(errno))") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw Failure(description: "\(path) is not a regular file; remove it")
        }
        guard info.st_uid == geteuid() else {
            throw Failure(
                description: "\(path) belongs to uid \(info.st_uid), not to this user (uid \(geteuid())); remove it")
        }
        guard info.st_mode & 0o077 == 0 else {
            return .unusable("mode \(String(info.st_mode & 0o777, radix: 8)) lets other users read it")
        }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw Failure(description: "cannot read \(path): \(message(errno))") }
        var text = bytes.prefix(count)
        if text.last == UInt8(ascii: "\n") { text = text.dropLast() }
        guard isWellFormed(text) else { return .unusable("it does not hold a well-formed token") }
        return .token(String(decoding: text, as: UTF8.self))
    }

    /// False when the file exists already.
    private static func create(_ path: String, token: String) throws(Failure) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return false }
            throw Failure(description: "cannot create \(path): \(message(errno))")
        }
        defer { close(fd) }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let code = errno
            unlink(path)
            throw Failure(description: "cannot write \(path): \(message(code))")
        }
        return true
    }

    /// 64 lowercase hex digits: what `Dashboard.newToken` makes (256 bits).
    static func isWellFormed(_ text: some Collection<UInt8>) -> Bool {
        text.count == 64
            && text.allSatisfy {
                ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
            }
    }

    private static func message(_ code: Int32) -> String {
        strerror(code).map { String(cString: $0) } ?? "error \(code)"
    }
}
