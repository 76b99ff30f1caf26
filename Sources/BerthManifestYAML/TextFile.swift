public import BerthManifest

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the small text files a manifest names (`env_file`, `secrets:`), telling apart why one cannot be read.
///
/// Bounded (audit4): `env_file: /dev/zero` made `berth check` read forever (14 GB in a minute) and a FIFO made it
/// block at `open`. Only regular files are read, opened without blocking, and at most `maximumBytes` of them.
enum TextFile {
    /// Far above any real env file, secrets file or included manifest (they are a few KB).
    static let maximumBytes = 1 << 20

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
            case .notRegular: "is not a regular file (a device, a pipe or a socket)"
            case .tooLarge: "is larger than \(TextFile.maximumBytes / 1024 / 1024) MiB"
            case .unreadable(let code) where code == EACCES || code == EPERM:
                "cannot be read: permission denied (the loading process runs as uid \(geteuid()))"
            case .unreadable(let code): "cannot be read: \(String(cString: strerror(code)))"
            case .notUTF8: "cannot be read as UTF-8 text"
            }
        }
    }

    static func read(_ path: String) -> Result<String, Problem> {
        // O_NONBLOCK: opening a FIFO without a writer would block until one comes.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            return .failure(errno == ENOENT || errno == ENOTDIR ? .notFound : .unreadable(errno: errno))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.unreadable(errno: errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(.directory)
        // /dev/null (character device 1:3) reads as empty, as before: `env_file: ${EXTRA_ENV:-/dev/null}` is a way
        // to make a file optional.
        case S_IFCHR where info.st_rdev == 0x103: return .success("")
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
            // A file that grows while it is read (a log someone named by mistake) stops here too.
            guard bytes.count <= maximumBytes else { return .failure(.tooLarge) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(text)
    }

    /// The permission bits, or nil when the file cannot be looked at.
    static func mode(_ path: String) -> UInt32? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt32(info.st_mode) & 0o7777 : nil
    }
}
