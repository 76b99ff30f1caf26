#if canImport(Glibc)
    import Glibc
#endif

/// Whether loading a manifest checks `user:` and `group:` against this machine: the CLI and the daemon do (an
/// unknown user, or a `user:` that a daemon not running as root cannot switch to, is a diagnostic at the key), an
/// export does not (the target machine has its own accounts).
public enum AccountCheck: Sendable, Equatable {
    case skip
    /// Check as a daemon running with this effective uid would run the replicas.
    case runningAs(uid: UInt32, gid: UInt32)

    /// The current process's effective uid and gid: the CLI starts berthd as itself.
    public static var current: Self { .runningAs(uid: geteuid(), gid: getegid()) }
}
