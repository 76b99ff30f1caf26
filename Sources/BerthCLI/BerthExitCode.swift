/// The exit statuses of `berth`, stable for scripts (documented in docs/cli.md).
///
/// The values follow sysexits(3) where one fits, so that `berth` composes with other tools.
public enum BerthExitCode: Int32, Sendable, CaseIterable {
    /// The command did what it was asked.
    case success = 0
    /// An operation failed or timed out, or the manifest is invalid.
    case failure = 1
    /// The command line is wrong (ArgumentParser's validation failure, `EX_USAGE`).
    case usage = 64
    /// No daemon answers on the project's control socket (`EX_UNAVAILABLE`).
    case noDaemon = 69
    /// The control socket exists but belongs to someone else (`EX_NOPERM`).
    case permissionDenied = 77
    /// `berth run-now`: the daemon refused to start the run (unknown job, no schedule, a run in progress with
    /// `concurrency: forbid`, `max_concurrent` reached). Not 1: run-now exits with the job's own status, and a job
    /// that exits 1 must not read as a refusal. 125 is what env(1), nice(1) and timeout(1) return for their own
    /// failure, for the same reason.
    case refused = 125
}
