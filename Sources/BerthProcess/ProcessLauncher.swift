import Glibc

/// The daemon's only way to start processes (replicas, exec probes, build steps). It also reaps every child, so
/// nothing else in the process may call `waitpid` or use Foundation's `Process`. All launchers share one reaper:
/// creating several is harmless.
///
/// Callbacks run on internal threads and must return quickly (hand the event to an `AsyncStream` or an actor).
/// `onOutput` is never called concurrently for one process; `onExit` is called once, after the process's output
/// has been delivered up to EOF, or 100 ms after the process was reaped if a descendant still holds the pipe open
/// (lines may then follow the exit callback).
public final class ProcessLauncher: Sendable {
    let reaper: ChildReaper
    let launcherID: UInt64
    /// The soft open-files limit children get, when the daemon raised its own above what it was started with.
    let childOpenFileLimit: UInt64?
    /// false only in tests: children are spawned as if `pidfd_open` had failed (descriptors exhausted).
    let opensPidfds: Bool

    /// Sets the child-subreaper flag on the process and SIGCHLD to its default (once per process: `ChildReaper`).
    public convenience init(childOpenFileLimit: UInt64? = nil) throws(SpawnError) {
        try self.init(childOpenFileLimit: childOpenFileLimit, opensPidfds: true)
    }

    init(childOpenFileLimit: UInt64?, opensPidfds: Bool) throws(SpawnError) {
        reaper = try ChildReaper.shared.get()
        launcherID = reaper.makeLauncherID()
        self.childOpenFileLimit = childOpenFileLimit
        self.opensPidfds = opensPidfds
    }

    /// Runs `body` once, on the thread that reports exits (the output pump's), `delay` from now or a little later.
    public func runLater(after delay: Duration, _ body: @escaping @Sendable () -> Void) {
        reaper.pump.after(.now + delay, body)
    }

    /// Sends `signal` to the whole process group (`kill(-pgid, signal)`). false if the group is gone (ESRCH) or
    /// cannot be signalled; never signals the daemon's own group or every process (pgid <= 1).
    ///
    /// `spawn` returns before the child has called `setsid`, so for a moment the group of a child just spawned does
    /// not exist yet: then the child alone is signalled (it has not exec'd, so it has no descendants). A signal it
    /// does not ignore by default ends it once it unblocks signals, before it execs.
    public func signalGroup(_ pgid: Int32, _ signal: Int32) -> Bool {
        guard pgid > 1, pgid != getpgrp() else { return false }
        if kill(-pgid, signal) == 0 { return true }
        guard errno == ESRCH else { return false }
        // An unreaped child of ours keeps its pid, so this is the child before its setsid, not a reused pid.
        let unreapedChild = reaper.state.withLock { $0.childIDByPID[pgid] != nil }
        return unreapedChild && kill(pgid, signal) == 0
    }

    /// Sends `signal` to one process. false if it is gone (ESRCH) or cannot be signalled.
    public func signalProcess(_ pid: Int32, _ signal: Int32) -> Bool {
        guard pid > 0, pid != getpid() else { return false }
        return kill(pid, signal) == 0
    }

    /// Children spawned by this launcher that have not been reaped yet.
    public var runningChildren: Int {
        reaper.state.withLock { state in
            state.childIDByPID.values.count { id in state.children[id]?.launcherID == launcherID }
        }
    }

    /// Processes reaped that were not our children: orphans reparented to us as child subreaper (process-wide).
    public var orphansReaped: Int {
        reaper.state.withLock { $0.orphansReaped }
    }

    /// Which of `children` (this process's children) it adopted as child subreaper and are alive: it did not start
    /// them (a replica's descendant whose parent exited). Process-wide.
    public func orphans(among children: [Int32]) -> [Int32] {
        reaper.state.withLock { state in children.filter { state.childIDByPID[$0] == nil } }
            .filter { ProcessTable.isAlive($0) }
    }
}
