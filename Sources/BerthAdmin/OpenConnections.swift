public import NIOCore
import Synchronization

/// Counts a listener's open connections, in all and per peer address, so that browsers holding dashboard streams
/// never take the descriptors the daemon needs, and no client holding idle connections locks the others out.
///
/// Beyond `perPeerLimit` from one address a new connection is closed at accept. When the listener is full, the
/// connection that has waited longest without a request in progress (idle, or not yet done sending its head) is
/// closed to make room: a local user can connect from every address of 127.0.0.0/8, so per-address limits alone
/// would let one user fill the listener; a request that is being answered (a dashboard stream) is never evicted.
final class OpenConnections: Sendable {
    private struct Entry {
        let channel: any Channel
        /// When it started waiting for a request (a sequence number); nil while a request is answered.
        var waitingSince: UInt64?
    }

    private struct Counts {
        var total = 0
        var byPeer: [String: Int] = [:]
        var entries: [ObjectIdentifier: Entry] = [:]
        var sequence: UInt64 = 0
    }

    private let counts = Mutex(Counts())
    let limit: Int
    let perPeerLimit: Int

    init(limit: Int, perPeerLimit: Int) {
        self.limit = limit
        self.perPeerLimit = perPeerLimit
    }

    /// Counts `channel` until it closes, evicting the longest-waiting connection when the listener is full; false
    /// when its peer address has `perPeerLimit` open already, or nothing can be evicted (the caller closes it).
    func admit(_ channel: any Channel) -> Bool {
        let peer = channel.remoteAddress?.ipAddress ?? "unknown"
        let id = ObjectIdentifier(channel)
        let (admitted, evicted) = counts.withLock { counts -> (Bool, (any Channel)?) in
            guard counts.byPeer[peer, default: 0] < perPeerLimit else { return (false, nil) }
            var evicted: (any Channel)?
            // An evicted connection counts until it has closed: meanwhile each new one evicts another.
            if counts.total >= limit {
                let oldest = counts.entries.filter { $0.value.waitingSince != nil }
                    .min { $0.value.waitingSince! < $1.value.waitingSince! }
                guard let oldest else { return (false, nil) }
                counts.entries[oldest.key] = nil
                evicted = oldest.value.channel
            }
            counts.total += 1
            counts.byPeer[peer, default: 0] += 1
            counts.sequence += 1
            counts.entries[id] = Entry(channel: channel, waitingSince: counts.sequence)
            return (true, evicted)
        }
        evicted?.close(promise: nil)
        guard admitted else { return false }
        channel.closeFuture.whenComplete { _ in
            self.counts.withLock { counts in
                counts.total -= 1
                let left = counts.byPeer[peer, default: 1] - 1
                counts.byPeer[peer] = left > 0 ? left : nil
                counts.entries[id] = nil
            }
        }
        return true
    }

    /// A request has started on `channel`: it is not evicted until its response is complete.
    func answering(_ channel: any Channel) {
        counts.withLock { $0.entries[ObjectIdentifier(channel)]?.waitingSince = nil }
    }

    /// `channel`'s response is complete: it waits for its next request.
    func waiting(_ channel: any Channel) {
        counts.withLock { counts in
            counts.sequence += 1
            counts.entries[ObjectIdentifier(channel)]?.waitingSince = counts.sequence
        }
    }
}
