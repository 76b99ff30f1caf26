/// Everything needed to start one child process: the daemon builds it from a service's manifest entry, probes and
/// build steps build their own. The environment is complete: nothing is inherited from the daemon.
public struct SpawnRequest: Sendable {
    /// argv; `arguments[0]` is the program, resolved against the child's `PATH` unless it contains a '/'.
    public var arguments: [String]
    /// The complete environment of the child.
    public var environment: [String: String]
    /// The child's working directory; an empty string keeps the daemon's.
    public var workingDirectory: String
    /// A user name or numeric uid; nil runs the child as the daemon's user.
    public var user: String?
    /// A group name or numeric gid; nil means the user's primary group.
    public var group: String?
    /// false sends stdout and stderr to /dev/null.
    public var captureOutput: Bool
    /// When set, the consumer of the output can pause reading it (backpressure); nil reads as fast as it comes.
    public var outputValve: OutputValve?
    /// `cgroup.procs` files the child joins before anything else (the replica's cgroups, see BerthResources).
    public var cgroupProcs: [String] = []
    /// RLIMIT_NOFILE, soft and hard (`limits.open_files`); nil keeps the soft limit berthd was started with.
    public var openFilesLimit: Int?
    /// RLIMIT_CORE in bytes, soft and hard (`limits.core`); nil inherits berthd's.
    public var coreLimit: Int?
    /// Called on the output pump's thread as soon as the child is seen to have exited (its pidfd), before its output
    /// reaches EOF and before it is reaped: for work that must not wait for either (a prepared replacement, issue 16).
    /// At most once, only for a child that exec'd, and not at all when the exit is learnt another way (no pidfd, or
    /// the lock busy with a spawn): `onExit` follows in every case. Returns true when it started a process: the reap
    /// (and so `onExit`) then waits for that process's exec report (at most 50 ms), so that the pump sleeps right after
    /// the clone and leaves its core to the new child.
    public var onDeath: (@Sendable (ExitStatus) -> Bool)?
    /// Called once the child's exec outcome is known (its exec report reached EOF: it exec'd, or it failed before),
    /// with true when it exec'd; on the output pump's thread, before the outcome is recorded (so before `onExit`).
    /// For work that should wait until the new program runs: a restart holds the news of the exit it replaces until
    /// then, so that the supervisor's work for that exit does not take the core the replacement needs (issue 16).
    public var onExec: (@Sendable (Bool) -> Void)?

    public init(
        arguments: [String],
        environment: [String: String],
        workingDirectory: String,
        user: String? = nil,
        group: String? = nil,
        captureOutput: Bool = true,
        outputValve: OutputValve? = nil
    ) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.group = group
        self.captureOutput = captureOutput
        self.outputValve = outputValve
    }
}
