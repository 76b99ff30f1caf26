import BerthGatewayCore
import NIOCore
import NIOHTTP2
import NIOPosix

/// Multiplexed HTTP/2 connections to the replicas of h2c and gRPC services: a few per replica, each carrying many
/// streams, so that every call can go to a different replica without a connection set-up. Touched only on the
/// gateway's event loop.
final class HTTP2UpstreamPool {
    /// A replica as one process: a restarted replica (new generation) gets new connections.
    struct Key: Hashable {
        var service: String
        var id: Int
        var generation: Int
        var port: Int

        /// Hashed without the service's name (a `String` hashed on every call's lookup, ~0.5k instructions): the
        /// replica's id, generation and port already tell replicas apart; `==` still compares all four.
        func hash(into hasher: inout Hasher) {
            hasher.combine(id)
            hasher.combine(generation)
            hasher.combine(port)
        }
    }

    /// Why a stream could not be opened; `neverSent` tells that retrying on another replica is safe.
    struct OpenError: Error {
        var detail: String
        var neverSent: Bool
    }

    let eventLoop: any EventLoop
    /// `HTTP2Backend.replicaChannel`: nil but under the fuzz target.
    let replicaChannel: (Int) -> (any Channel)?
    private var connections: [Key: [HTTP2UpstreamConnection]] = [:]

    init(eventLoop: any EventLoop, replicaChannel: @escaping (Int) -> (any Channel)? = { _ in nil }) {
        self.eventLoop = eventLoop
        self.replicaChannel = replicaChannel
    }

    /// Gives `stream` a place on the replica's least busy connection (a new one while fewer than `perReplica` are
    /// open); the stream tells its call once the connection is there (`HTTP2UpstreamStream.opened`), at once on a
    /// ready connection: no completion closure per call (two allocations each).
    func openStream(_ key: Key, settings: HTTP2GatewaySettings, stream: HTTP2UpstreamStream) {
        // Written back only when it changed (the usual call changes nothing: no copy, one lookup of the key).
        let current = connections[key] ?? []
        var list = current.contains { $0.isUnusable } ? current.filter { !$0.isUnusable } : current
        var changed = list.count != current.count
        let best = list.min { $0.load < $1.load }
        let connection: HTTP2UpstreamConnection
        if let best, best.load == 0 || list.count >= settings.connectionsPerReplica {
            connection = best
        } else {
            connection = HTTP2UpstreamConnection(key: key, pool: self, settings: settings)
            list.append(connection)
            changed = true
            connection.connect()
        }
        if changed { connections[key] = list }
        connection.openStream(stream)
    }

    func connectionClosed(_ connection: HTTP2UpstreamConnection) {
        connections[connection.key]?.removeAll { $0 === connection }
        if connections[connection.key]?.isEmpty == true { connections[connection.key] = nil }
    }

    /// Closes the connections of replicas that left rotation once their streams are done.
    func sweep(inRotation: (Key) -> Bool) {
        for (key, list) in connections where !inRotation(key) {
            for connection in list where connection.load == 0 { connection.close() }
        }
    }

    func closeAll() {
        for list in connections.values {
            for connection in list { connection.close() }
        }
    }

    var isEmpty: Bool { connections.isEmpty }
}
