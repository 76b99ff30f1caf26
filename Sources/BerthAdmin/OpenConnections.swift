public import NIOCore
import Synchronization

/// Counts a listener's open connections, in all and per peer address, and refuses those beyond the limits, so that
/// browsers holding dashboard streams never take the descriptors the daemon needs, and one client holding idle
/// connections cannot lock the others out.
final class OpenConnections: Sendable {
    private struct Counts {
        var total = 0
        var byPeer: [String: Int] = [:]
    }

    private let counts = Mutex(Counts())
    let limit: Int
    let perPeerLimit: Int

    init(limit: Int, perPeerLimit: Int) {
        self.limit = limit
        self.perPeerLimit = perPeerLimit
    }

    /// Counts `channel` until it closes; false when `limit` are open already, or `perPeerLimit` from its peer
    /// address (the caller closes it).
    func admit(_ channel: any Channel) -> Bool {
        let peer = channel.remoteAddress?.ipAddress ?? "unknown"
        let admitted = counts.withLock { counts in
            guard counts.total < limit, counts.byPeer[peer, default: 0] < perPeerLimit else { return false }
            counts.total += 1
            counts.byPeer[peer, default: 0] += 1
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { _ in
            self.counts.withLock { counts in
                counts.total -= 1
                let left = counts.byPeer[peer, default: 1] - 1
                counts.byPeer[peer] = left > 0 ? left : nil
            }
        }
        return true
    }
}
