public import BerthProcess

/// What the supervisor needs from the operating system's processes: spawn with exit notification, and signals.
///
/// `ProcessLauncher` is the real implementation; a protocol so that the supervisor's bookkeeping can be unit-tested
/// without processes.
public protocol ProcessControl: Sendable {
    func spawn(
        _ request: SpawnRequest,
        onOutput: @escaping @Sendable (OutputLine) -> Void,
        onExit: @escaping @Sendable (ExitStatus) -> Void
    ) throws(SpawnError) -> Int32

    @discardableResult
    func signalGroup(_ pgid: Int32, _ signal: Int32) -> Bool

    /// Runs `body` once, `delay` from now or a little later, on the thread that reports exits (without waking any
    /// other): the bound on how long a restart holds the news of an exit (`RestartHandoff.holdExit`).
    func runLater(after delay: Duration, _ body: @escaping @Sendable () -> Void)

    /// Which of `children` (the daemon's) are alive and were adopted as child subreaper, not started (a replica's
    /// descendant that left its process group and outlived its parent): what a replica's run left behind is found
    /// among them (`killEscapees`).
    func orphans(among children: [Int32]) -> [Int32]
}

extension ProcessControl {
    /// Fakes adopt nothing.
    public func orphans(among children: [Int32]) -> [Int32] { [] }
}

extension ProcessLauncher: ProcessControl {}
