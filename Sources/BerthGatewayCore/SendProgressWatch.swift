/// Notices a client that stopped reading: `send_timeout` closes a connection whose outbound bytes made no progress
/// for that long, so that a stalled client cannot hold a replica's connection (and a single-threaded replica)
/// forever while the gateway, applying backpressure, stops reading the replica.
///
/// Pure: the handler reports when its channel stops and starts being writable and, on each sweep while it is not,
/// how many bytes are still waiting in the channel; times are monotonic nanoseconds. Fewer waiting bytes than at
/// the previous look is progress (the client read some) and restarts the clock; more is the gateway writing, not
/// the client reading.
public struct SendProgressWatch: Sendable, Equatable {
    /// Since when no progress was seen; nil while the channel is writable.
    public private(set) var stalledSince: Int64?
    private var pending = 0

    public init() {}

    /// The channel's outbound buffer filled up (it is no longer writable), with `pending` bytes waiting.
    public mutating func blocked(pending: Int, now: Int64) {
        guard stalledSince == nil else { return }
        stalledSince = now
        self.pending = pending
    }

    /// The channel is writable again: the client is reading.
    public mutating func unblocked() {
        stalledSince = nil
        pending = 0
    }

    /// The kernel sent some of the connection's bytes at `now` (the client is reading, slowly): the clock restarts.
    /// The channel's own count moves only when the socket's send buffer has room for a third of itself again, and
    /// Linux grows that buffer to 4 MiB: a client reading 100 KB/s moved it every ~13 s, so `send_timeout` closed
    /// a client that never stopped reading (found by the outside audit, audit6).
    public mutating func progressed(now: Int64) {
        guard stalledSince != nil else { return }
        stalledSince = now
    }

    /// Whether `timeout` nanoseconds passed without progress, given the bytes waiting now.
    public mutating func expired(pending: Int, now: Int64, timeout: Int64) -> Bool {
        guard let since = stalledSince else { return false }
        if pending < self.pending {
            stalledSince = now
            self.pending = pending
            return false
        }
        self.pending = pending
        return now - since >= timeout
    }
}
