/// What a watched descriptor wants next, as its handler answers after each wake-up.
public enum WatchNext: Sendable, Equatable {
    /// Wake me again when the descriptor is readable (or hung up, or failed).
    case read
    /// Wake me again when the descriptor is writable (or failed): a connection in progress, a send that waits.
    case write
    /// Stop watching: the loop closes the descriptor.
    case done
    /// Stop watching and leave the descriptor open: it goes back to the handler (`released`), as a kept-alive probe
    /// connection does between two probes.
    case release
}

/// A descriptor's handler, called on the loop's thread only (so it needs no lock for its own state): `ready` after
/// each wake-up, `timedOut` once if the watch's deadline passes first. It must not block.
public protocol ReadinessHandler: AnyObject, Sendable {
    func ready() -> WatchNext
    func timedOut()
    /// After `ready` answered `.release`: the descriptor is out of the loop, and the handler owns it again. Called on
    /// the loop's thread, once the loop is done with the descriptor (so that it may be watched again at once).
    func released(_ fd: Int32)
}

extension ReadinessHandler {
    public func released(_ fd: Int32) {}
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
}
