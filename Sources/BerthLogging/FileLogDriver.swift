import BerthSystem
import Glibc

/// Writes records as JSON lines to one file per replica under `directory` (`SERVICE.N.log`, the daemon's events
/// in `_berthd.log`), rotated by `RotationPolicy`. For hosts without a journal.
public final class FileLogDriver: LogDriver {
    public let name = "file"
    public let directory: String
    public let policy: RotationPolicy

    private struct OpenFile {
        var fd: Int32
        var size: Int
    }

    private var files: [String: OpenFile] = [:]

    public init(directory: String, policy: RotationPolicy = .standard) throws(LogDriverError) {
        self.directory = directory
        self.policy = policy
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
            throw LogDriverError("cannot create \(directory): \(Errno.message(errno))")
        }
    }

    deinit {
        for file in files.values { close(file.fd) }
    }

    /// The file of a replica's output, or of the daemon's events (`replica` < 0 or no service).
    public static func fileName(service: String, replica: Int) -> String {
        service.isEmpty || replica < 0 ? "_berthd.log" : "\(service).\(replica).log"
    }

    public func write(_ record: LogRecord) throws(LogDriverError) {
        let name = record.event != nil ? "_berthd.log" : Self.fileName(service: record.service, replica: record.replica)
        let bytes = FileLogLine.encode(record)
        var file = try open(name)
        if policy.shouldRotate(size: file.size, adding: bytes.count) {
            close(file.fd)
            files[name] = nil
            for step in policy.renames(of: "\(directory)/\(name)") {
                _ = rename(step.from, step.to)
            }
            file = try open(name)
        }
        do {
            try System.writeAll(file.fd, bytes)
        } catch {
            // A full disk: drop the part of the line that got in, so that the file holds whole lines only.
            _ = ftruncate(file.fd, off_t(file.size))
            throw LogDriverError("cannot write \(directory)/\(name): \(error.message)")
        }
        file.size += bytes.count
        files[name] = file
    }

    private func open(_ name: String) throws(LogDriverError) -> OpenFile {
        if let file = files[name] { return file }
        let path = "\(directory)/\(name)"
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw LogDriverError("cannot open \(path): \(Errno.message(errno))") }
        var info = stat()
        let size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        let file = OpenFile(fd: fd, size: size)
        files[name] = file
        return file
    }
}
