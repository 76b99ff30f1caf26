public import NIOCore
import Synchronization

/// Counts a listener's open connections and refuses those beyond `limit`, so that browsers holding dashboard
/// streams never take the descriptors the daemon needs.
final class OpenConnections: Sendable {
    private let count = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts `channel` until it closes; false when `limit` are open already (the caller closes it).
    func admit(_ channel: any Channel) -> Bool {
        guard count.add(1, ordering: .relaxed).newValue <= limit else {
            count.subtract(1, ordering: .relaxed)
            return false
        }
        channel.closeFuture.whenComplete { _ in self.count.subtract(1, ordering: .relaxed) }
        return true
    }
}
