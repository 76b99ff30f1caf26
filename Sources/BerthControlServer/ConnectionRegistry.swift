import NIOCore
import Synchronization

/// The open control connections, so that shutdown can close followers of `GET /v1/logs?follow=1` too.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Registers the channel; false (and nothing registered) when `limit` channels are open already.
    @discardableResult
    func add(_ channel: any Channel, limit: Int = .max) -> Bool {
        let id = ObjectIdentifier(channel)
        let added = channels.withLock { open in
            guard open.count < limit else { return false }
            open[id] = channel
            return true
        }
        guard added else { return false }
        channel.closeFuture.whenComplete { _ in
            _ = self.channels.withLock { $0.removeValue(forKey: id) }
        }
        return true
    }

    func closeAll() {
        let open = channels.withLock { Array($0.values) }
        for channel in open {
            channel.close(promise: nil)
        }
    }
}
