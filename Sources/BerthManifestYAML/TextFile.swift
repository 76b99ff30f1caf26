public import BerthManifest

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the small text files a manifest names (`env_file`, `secrets:`), telling apart why one cannot be read.
enum TextFile {
    enum Problem: Error, Equatable, CustomStringConvertible {
        case notFound
        case directory
        case unreadable(errno: Int32)
        case notUTF8

        var description: String {
            switch self {
            case .notFound: "not found"
            case .directory: "is a directory, not a file"
            case .unreadable(let code) where code == EACCES || code == EPERM:
                "cannot be read: permission denied (the loading process runs as uid \(geteuid()))"
            case .unreadable(let code): "cannot be read: \(String(cString: strerror(code)))"
            case .notUTF8: "cannot be read as UTF-8 text"
            }
        }
    }

    static func read(_ path: String) -> Result<String, Problem> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(errno == ENOENT || errno == ENOTDIR ? .notFound : .unreadable(errno: errno))
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return .failure(.directory) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return .failure(.unreadable(errno: errno)) }
            if count == 0 { break }
            bytes += buffer.prefix(count)
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
