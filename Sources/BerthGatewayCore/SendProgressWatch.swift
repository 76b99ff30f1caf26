/// Notices a client that stopped reading: `send_timeout` closes a connection whose outbound bytes made no progress
/// for that long, so that a stalled client cannot hold a replica's connection (and a single-threaded replica)
/// forever while the gateway, applying backpressure, stops reading the replica.
///
/// Pure: the handler reports when its channel stops and starts being writable and, on each sweep while it is not,
/// how many bytes are still waiting in the channel; times are monotonic nanoseconds. Fewer waiting bytes than at
/// the previous look is progress (the client read some) and restarts the clock; more is the gateway writing, not
/// the client reading. At the timeout the kernel's own record of the socket is asked (`KernelSend`): data sent
/// within the timeout, amounting to at least `minimumProgress` bytes since the clock last started, is progress too.
public struct SendProgressWatch: Sendable, Equatable {
    /// What the kernel says of a socket's sending (TCP_INFO).
    public struct KernelSend: Sendable, Equatable {
        /// Nanoseconds since the kernel last sent data on the socket (zero-window probes carry none).
        public var idle: Int64
        /// Bytes the peer has acknowledged since the connection opened; nil where the kernel does not say.
        public var acked: UInt64?

        public init(idle: Int64, acked: UInt64?) {
            self.idle = idle
            self.acked = acked
        }
    }

    /// The least a stalled client must take (bytes it acknowledged) per `send_timeout` for the kernel's sending to
    /// count as progress: 16 KiB, about 550 bytes/s at the default 30 s (Apache's mod_reqtimeout asks 500 bytes/s of
    /// a request body). A client that shrank its receive buffer after connecting and never read was still taking a
    /// few bytes every 14-26 s as its kernel compacted its queue, which kept it for 86 s instead of 30 (audit7).
    public static let minimumProgress: UInt64 = 16 << 10

    /// Since when no progress was seen; nil while the channel is writable.
    public private(set) var stalledSince: Int64?
    private var pending = 0
    /// The kernel's acknowledged bytes when the clock last started; nil when it was not known then.
    private var ackedMark: UInt64?

    public init() {}

    /// The channel's outbound buffer filled up (it is no longer writable), with `pending` bytes waiting; `acked`:
    /// what the kernel says the client has acknowledged so far.
    public mutating func blocked(pending: Int, now: Int64, acked: UInt64?) {
        guard stalledSince == nil else { return }
        stalledSince = now
        self.pending = pending
        ackedMark = acked
    }

    /// The channel is writable again: the client is reading.
    public mutating func unblocked() {
        stalledSince = nil
        pending = 0
        ackedMark = nil
    }

    /// Whether `timeout` nanoseconds passed without progress, given the bytes waiting now; `kernel` is asked when
    /// the clock restarts and at the timeout. The kernel's sending counts because the channel's own count moves only
    /// when the socket's send buffer has room for a third of itself again, and Linux grows that buffer to 4 MiB: a
    /// client reading 100 KB/s moved it every ~13 s, so `send_timeout` closed a client that never stopped reading
    /// (found by the outside audit, audit6).
    public mutating func expired(
        pending: Int, now: Int64, timeout: Int64, kernel: () -> KernelSend?
    ) -> Bool {
        guard let since = stalledSince else { return false }
        if pending < self.pending {
            stalledSince = now
            self.pending = pending
            ackedMark = kernel()?.acked
            return false
        }
        self.pending = pending
        guard now - since >= timeout else { return false }
        guard let sent = kernel(), Self.isProgress(sent, since: ackedMark, timeout: timeout) else { return true }
        stalledSince = now - sent.idle
        ackedMark = sent.acked
        return false
    }

    /// Whether the kernel's sending is progress: data sent within `timeout`, and at least `minimumProgress` bytes
    /// acknowledged since `mark` (when both counts are known).
    public static func isProgress(_ sent: KernelSend, since mark: UInt64?, timeout: Int64) -> Bool {
        guard sent.idle < timeout else { return false }
        guard let acked = sent.acked, let mark else { return true }
        return acked &- mark >= minimumProgress
    }
}
