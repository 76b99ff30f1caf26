import CBerthShim
import Glibc

/// What the C shim reported (failed step + errno), mapped to a `SpawnError` that names the path involved.
struct SpawnFailure {
    var stage: Int32
    var errno: Int32

    func error(path: String, workingDirectory: String, identity: Identity?) -> SpawnError {
        switch berth_spawn_stage(UInt32(stage)) {
        case BERTH_STAGE_EXEC:
            switch errno {
            case ENOENT, ENOTDIR: return .executableNotFound(path)
            case EACCES, EPERM:
                // The parent (root) could execute it; the user the child switched to cannot.
                if let uid = identity?.uid {
                    return .systemCall("execve(\(path)) as uid \(uid)", errno: errno)
                }
                return .permissionDenied(path)
            default: return .execFailed(path: path, errno: errno)
            }
        case BERTH_STAGE_CHDIR:
            switch errno {
            case ENOENT, ENOTDIR: return .workingDirectoryMissing(workingDirectory)
            case EACCES:
                if let uid = identity?.uid {
                    return .systemCall("chdir(\(workingDirectory)) as uid \(uid)", errno: errno)
                }
                return .permissionDenied(workingDirectory)
            default: return .systemCall("chdir(\(workingDirectory))", errno: errno)
            }
        case BERTH_STAGE_SETGROUPS:
            return errno == EPERM ? .switchDenied("setgroups") : .systemCall("setgroups", errno: errno)
        case BERTH_STAGE_SETGID:
            let call = "setgid(\(identity?.gid ?? 0))"
            return errno == EPERM ? .switchDenied(call) : .systemCall(call, errno: errno)
        case BERTH_STAGE_SETUID:
            let call = "setuid(\(identity?.uid ?? 0))"
            return errno == EPERM ? .switchDenied(call) : .systemCall(call, errno: errno)
        case BERTH_STAGE_SETSID:
            return .systemCall("setsid", errno: errno)
        case BERTH_STAGE_CGROUP:
            return .systemCall("joining the replica's cgroup (cgroup.procs)", errno: errno)
        case BERTH_STAGE_RLIMIT:
            return .systemCall("setrlimit (limits.open_files or limits.core)", errno: errno)
        case BERTH_STAGE_STDIO:
            return .systemCall("dup2 (child stdio)", errno: errno)
        default:
            return .systemCall("clone", errno: errno)
        }
    }
}
