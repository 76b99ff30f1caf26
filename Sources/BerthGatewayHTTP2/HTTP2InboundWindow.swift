/// The receiving side of one HTTP/2 flow-control window (a stream's or the connection's) when no NIO stream channel
/// does the bookkeeping: given the window the peer has left, says when to send WINDOW_UPDATE and by how much. The
/// rule is NIO's own (`InboundWindowManager`): top the window up to its target once it fell to half of it. Paused,
/// it sends nothing, so the peer stops once the window is spent: that is how a slow reader backpressures its sender.
struct HTTP2InboundWindow: Sendable, Equatable {
    let target: Int
    /// The window the peer has left, as the HTTP/2 handler last reported it (nil before the first report).
    private(set) var size: Int?
    /// The receiver does not take more now (the client on the other side of the call reads slowly).
    private(set) var paused = false
    /// The peer ended its side: no update is due any more.
    var closed = false

    init(target: Int) {
        self.target = min(max(target, 0), Int(Int32.max))
    }

    /// The handler reports the window's new size (a DATA frame arrived, or an update was sent); returns the
    /// increment to send now, if any.
    mutating func changed(to newSize: Int) -> Int? {
        size = newSize
        return takeIncrement()
    }

    /// Reading stops (false) or resumes (true); resuming may owe the peer an update.
    mutating func setReading(_ on: Bool) -> Int? {
        paused = !on
        return takeIncrement()
    }

    /// The increment due, counted as sent (the handler's report of it may come later, or never while paused).
    private mutating func takeIncrement() -> Int? {
        guard !paused, !closed, let size, size < target else { return nil }
        let increment: Int
        if size >= 0 {
            increment = target - size
            // Not below half yet: one update per half window, as NIO does, not one per frame.
            guard increment >= size else { return nil }
        } else {
            increment = min(target - size, Int(Int32.max))
        }
        self.size = size + increment
        return increment
    }
}
