/// What a watched descriptor wants next, as its handler answers after each wake-up.
public enum WatchNext: Sendable, Equatable {
    /// Wake me again when the descriptor is readable (or hung up, or failed).
    case read
    /// Wake me again when the descriptor is writable (or failed): a connection in progress, a send that waits.
    case write
    /// Stop watching: the loop closes the descriptor.
    case done
    /// Stop serving this handler but keep the descriptor open and in the loop, watched for reading with no deadline:
    /// it goes back to the handler (`kept`), which hands it to another handler (`rewatch`) or lets it go (`cancel`).
    /// A kept-alive probe connection does so between two probes: no `epoll_ctl` per probe, and a server that closes
    /// the idle connection is seen at once.
    case keep
}

/// A descriptor's handler, called on the loop's thread only (so it needs no lock for its own state): `ready` after
/// each wake-up, `timedOut` once if the watch's deadline passes first. It must not block.
public protocol ReadinessHandler: AnyObject, Sendable {
    func ready() -> WatchNext
    func timedOut()
    /// After `ready` answered `.keep`: the descriptor stays in the loop under `token`, watched for reading with no
    /// deadline and still served by this handler until it is handed on (`rewatch`) or let go (`cancel`). Called on
    /// the loop's thread.
    func kept(_ fd: Int32, token: UInt64)
}

extension ReadinessHandler {
    public func kept(_ fd: Int32, token: UInt64) {}
}

/// One epoll thread that other modules hang their descriptors on (the output pump's: see `ProcessLauncher`): sd_notify
/// sockets and probe connections are served there instead of by a thread or a channel of their own. The rule is in
/// docs/architecture.md ("Concurrency").
public protocol ReadinessLoop: Sendable {
    /// Watches `fd` (non-blocking, owned by the loop from here on: the loop closes it when the watch ends) for
    /// `next` (`.read` or `.write`). `deadline` (nil: none) ends the watch with `timedOut`. Returns its token.
    @discardableResult
    func watch(
        _ fd: Int32, for next: WatchNext, deadline: ContinuousClock.Instant?, handler: any ReadinessHandler
    ) throws(SystemError) -> UInt64

    /// Ends a watch from any thread: its handler is not called again, and the loop closes the descriptor.
    func cancel(_ token: UInt64)

    /// Hands the live watch `token` (a kept descriptor, see `WatchNext.keep`) to `handler`, for `next` and until
    /// `deadline`, from any thread; no system call unless the interest changes. false: the watch is gone.
    func rewatch(
        _ token: UInt64, for next: WatchNext, deadline: ContinuousClock.Instant?, handler: any ReadinessHandler
    ) -> Bool

    /// Runs `body` on the loop's thread once `deadline` has passed (callers round deadlines to a grain, so that
    /// those close together share one wake-up). It cannot be cancelled: `body` checks whether it still matters.
    func after(_ deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () -> Void)
}
