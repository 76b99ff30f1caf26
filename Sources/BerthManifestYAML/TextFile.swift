public import BerthManifest

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the small text files a manifest names (`include:`, the override file, `.env`, `env_file`, `secrets:`),
/// telling apart why one cannot be read.
///
/// Only regular files (and /dev/null, as empty), and at most `maximumBytes` (audit3, audit4; `env_file: /dev/zero`
/// read 14 GB in a minute): `include: /dev/zero` (or an `env_file` or `.env` linked
/// to it) read until the loader ran out of memory, and a FIFO with no writer blocked the load for ever (`berth
/// check`, `berth up`, and `berth reload` until its 30 s kill).
enum TextFile {
    /// Far above any manifest (NodeBudget caps its tree at 100,000 nodes) or environment file.
    static let maximumBytes = 4 << 20

    enum Problem: Error, Equatable, CustomStringConvertible {
        case notFound
        case directory
        case notRegular
        case tooLarge
        case unreadable(errno: Int32)
        case notUTF8

        var description: String {
            switch self {
            case .notFound: "not found"
            case .directory: "is a directory, not a file"
            case .notRegular: "is not a regular file (a device, FIFO or socket)"
            case .tooLarge: "is larger than \(TextFile.maximumBytes >> 20) MiB"
            case .unreadable(let code) where code == EACCES || code == EPERM:
                "cannot be read: permission denied (the loading process runs as uid \(geteuid()))"
            case .unreadable(let code): "cannot be read: \(String(cString: strerror(code)))"
            case .notUTF8: "cannot be read as UTF-8 text"
            }
        }
    }

    /// A file's text with who may change it.
    struct Contents {
        var text: String
        var owner: UInt32
        /// The permission bits.
        var mode: UInt32
    }

    static func read(_ path: String) -> Result<String, Problem> {
        contents(path).map(\.text)
    }

    /// Why a user other than the loading one (or root) could change what the file says, or nil (audit3): a manifest,
    /// an included file or a `.env` decides the commands berthd runs, so whoever can write one runs commands as
    /// berthd's user (root, often). Worded as systemd words a world-writable unit file; not refused, as systemd
    /// does not refuse one either.
    static func foreignWriter(owner: UInt32, mode: UInt32, loader: UInt32 = geteuid()) -> String? {
        if owner != 0, owner != loader {
            let name = getpwuid(owner).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "uid \(owner)"
            return "belongs to \(name), not to the loading user (uid \(loader)) or root"
        }
        if mode & 0o002 != 0 { return "can be written by every user (mode \(String(mode & 0o777, radix: 8)))" }
        return nil
    }

    /// The same question for the folder holding the file: who can write a folder can replace the file in it, unless
    /// the folder is sticky (/tmp), where nobody renames what another user owns.
    static func foreignFolderWriter(owner: UInt32, mode: UInt32, loader: UInt32 = geteuid()) -> String? {
        if owner != 0, owner != loader {
            let name = getpwuid(owner).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "uid \(owner)"
            return "is in a folder that belongs to \(name)"
        }
        if mode & 0o002 != 0, mode & UInt32(S_ISVTX) == 0 {
            return "is in a folder every user can write (mode \(String(mode & 0o777, radix: 8)), not sticky)"
        }
        return nil
    }

    /// Why someone else could change the file at `path` (itself or by replacing it in its folder), or nil.
    static func othersCanChange(_ path: String, owner: UInt32, mode: UInt32) -> String? {
        if let reason = foreignWriter(owner: owner, mode: mode) { return reason }
        var info = stat()
        guard stat(PathText.directory(of: path), &info) == 0 else { return nil }
        return foreignFolderWriter(owner: info.st_uid, mode: UInt32(info.st_mode) & 0o7777)
    }

    static func contents(_ path: String) -> Result<Contents, Problem> {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it does nothing to a regular file's reads.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            return .failure(errno == ENOENT || errno == ENOTDIR ? .notFound : .unreadable(errno: errno))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.unreadable(errno: errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .failure(.directory)
        case S_IFREG: break
        // /dev/null (character device 1:3) reads as empty (audit4): `env_file: ${EXTRA_ENV:-/dev/null}` is a way to
        // make a file optional.
        case S_IFCHR where info.st_rdev == 0x103:
            return .success(Contents(text: "", owner: info.st_uid, mode: UInt32(info.st_mode) & 0o7777))
        default: return .failure(.notRegular)
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return .failure(.unreadable(errno: errno)) }
            if count == 0 { break }
            bytes += buffer.prefix(count)
            // A file that grows as it is read (a log) is bounded too, not only one that was large when opened.
            if bytes.count > maximumBytes { return .failure(.tooLarge) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(Contents(text: text, owner: info.st_uid, mode: UInt32(info.st_mode) & 0o7777))
    }
}
