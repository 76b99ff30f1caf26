import BerthSystem
import Glibc
import Synchronization

/// The gateway's access log as a file in the state directory (`access.log`, mode 0600), appended in batches like
/// nginx's buffered `access_log`, and rotated by size once a batch takes it to `maxBytes` (the renames are
/// `RotationPolicy`'s: it becomes `access.log.1`, the older ones shift up to `keep`), so a busy gateway never fills the
/// disk. A write that fails (a full disk) drops that batch and is said once per episode through `onError`; the next
/// batch tries again.
public final class AccessLogFile: Sendable {
    public let path: String
    let policy: RotationPolicy
    private let onError: @Sendable (String) -> Void
    private let state: Mutex<State>

    struct State {
        var fd: Int32 = -1
        var size = 0
        var failing = false
    }

    public init(
        path: String, maxBytes: Int = 64 << 20, keep: Int = 3, onError: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.path = path
        self.policy = RotationPolicy(maxBytes: maxBytes, keep: keep)
        self.onError = onError
        self.state = Mutex(State())
    }

    /// Complete lines, appended in one go.
    public func write(_ lines: UnsafeRawBufferPointer) {
        state.withLock { state in
            if state.fd < 0 { open(&state) }
            guard state.fd >= 0 else { return }
            let written = writeAll(state.fd, lines)
            if let error = written {
                if !state.failing { onError("cannot write the access log \(path): \(error); lines are dropped") }
                state.failing = true
                return
            }
            if state.failing { onError("the access log \(path) is written again") }
            state.failing = false
            state.size += lines.count
            if state.size >= policy.maxBytes { rotate(&state) }
        }
    }

    public func close() {
        state.withLock { state in
            if state.fd >= 0 { Glibc.close(state.fd) }
            state.fd = -1
        }
    }

    private func open(_ state: inout State) {
        // O_NOFOLLOW: a link planted in the state directory must not redirect the log (docs/security.md).
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            if !state.failing { onError("cannot open the access log \(path): \(Errno.message(errno))") }
            state.failing = true
            return
        }
        var info = stat()
        state.size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        state.fd = fd
    }

    /// access.log -> access.log.1 -> ... -> access.log.KEEP (the oldest is dropped); the next write opens a new file.
    private func rotate(_ state: inout State) {
        Glibc.close(state.fd)
        state.fd = -1
        state.size = 0
        for step in policy.renames(of: path) {
            rename(step.from, step.to)
        }
    }

    /// Writes every byte (BerthSystem retries EINTR and short writes); the error's text, or nil.
    private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
        do {
            try System.writeAll(fd, bytes)
            return nil
        } catch {
            return error.message
        }
    }
}
