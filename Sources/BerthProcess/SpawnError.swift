import BerthSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Why a child could not be started. What can be checked before forking is thrown by `spawn`; failures in the child
/// (chdir, setuid, execve) come back through a close-on-exec pipe as `ExitStatus.execFailed`, so a failed start is
/// never mistaken for a process that started and crashed.
public enum SpawnError: Error, Sendable, Equatable, CustomStringConvertible {
    case executableNotFound(String)
    case permissionDenied(String)
    case workingDirectoryMissing(String)
    case unknownUser(String)
    case unknownGroup(String)
    case execFailed(path: String, errno: Int32)
    case systemCall(String, errno: Int32)
    /// Starting a process would leave the daemon (almost) no free descriptor: refused before any pipe is made.
    case descriptorsExhausted(inUse: Int, limit: Int)
    /// setgroups/setgid/setuid refused (EPERM): only root can switch to another user or group.
    case switchDenied(String)

    /// A shortage that can pass by itself (descriptors, processes, memory), so the start is worth retrying later;
    /// a missing binary, a bad user or working directory is not.
    public var isTransient: Bool {
        switch self {
        case .descriptorsExhausted: true
        case .systemCall(_, let code), .execFailed(_, let code): [EMFILE, ENFILE, EAGAIN, ENOMEM].contains(code)
        case .executableNotFound, .permissionDenied, .workingDirectoryMissing, .unknownUser, .unknownGroup,
            .switchDenied:
            false
        }
    }

    public var description: String {
        switch self {
        case .executableNotFound(let path):
            return "executable not found: '\(path)'"
        case .permissionDenied(let path):
            return "permission denied: '\(path)'"
        case .workingDirectoryMissing(let path):
            return "working directory does not exist: '\(path)'"
        case .unknownUser(let user):
            return "unknown user '\(user)'"
        case .unknownGroup(let group):
            return "unknown group '\(group)'"
        case .execFailed(let path, let code):
            return "cannot execute '\(path)': \(Errno.message(code)) (errno \(code))"
        case .systemCall(let call, let code):
            return "\(call) failed: \(Errno.message(code)) (errno \(code))"
        case .descriptorsExhausted(let inUse, let limit):
            return "too many open files to start a process: \(inUse) of \(limit) descriptors in use (ulimit -n); "
                + "raise the limit or run fewer replicas"
        case .switchDenied(let call):
            return "\(call) failed: only root can switch to another user or group (berthd runs as uid \(geteuid()))"
        }
    }
}
