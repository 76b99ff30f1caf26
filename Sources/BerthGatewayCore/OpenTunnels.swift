/// The tunnels (WebSocket and other 101 upgrades) open to each replica, so that a drain waits for them as it waits
/// for in-flight requests.
///
/// After the 101 the try has ended for the balancer (a tunnel is not a request in flight: it would skew
/// `least_conn` and `berth status` for hours), but the replica still serves the tunnel, and stopping it at once would
/// cut every open WebSocket (its clients see 1006) on each `berth restart` or rollout. Pure: the shell says which
/// client opened or closed a tunnel and when a draining replica's requests ended; it answers when the drain is
/// complete. `Client` is the shell's handle of a client connection.
public struct OpenTunnels<Client: Hashable> {
    /// A replica of one service.
    public struct Replica: Hashable, Sendable {
        public var service: String
        public var id: Int

        public init(service: String, id: Int) {
            self.service = service
            self.id = id
        }
    }

    var replicaOf: [Client: Replica] = [:]
    var counts: [Replica: Int] = [:]
    /// The replica index users see (`web.1`), for logs: the balancer forgets a replica with no request in flight.
    var indexes: [Replica: Int] = [:]
    /// Draining replicas whose requests have ended, waiting for their last tunnel.
    var waiting: Set<Replica> = []

    public init() {}

    /// Tunnels open to the replica now.
    public func count(_ replica: Replica) -> Int { counts[replica] ?? 0 }

    /// The index users see of a replica with open tunnels.
    public func index(_ replica: Replica) -> Int? { indexes[replica] }

    /// A 101 made `client`'s connection a tunnel to `replica` (one tunnel per client connection).
    public mutating func opened(_ client: Client, on replica: Replica, index: Int? = nil) {
        guard replicaOf[client] == nil else { return }
        replicaOf[client] = replica
        counts[replica, default: 0] += 1
        if let index { indexes[replica] = index }
    }

    /// The client connection closed (a tunnel ends with it, whichever side closed first): the replica whose drain
    /// this completes, if any. A client that had no tunnel changes nothing.
    public mutating func closed(_ client: Client) -> Replica? {
        guard let replica = replicaOf.removeValue(forKey: client) else { return nil }
        let left = (counts[replica] ?? 1) - 1
        counts[replica] = left > 0 ? left : nil
        if left == 0 { indexes[replica] = nil }
        guard left == 0, waiting.remove(replica) != nil else { return nil }
        return replica
    }

    /// A draining replica's in-flight requests have ended: whether the drain is complete (no tunnel open); if not,
    /// `closed` returns the replica when its last tunnel closes.
    public mutating func requestsDrained(_ replica: Replica) -> Bool {
        guard count(replica) > 0 else { return true }
        waiting.insert(replica)
        return false
    }
}

extension OpenTunnels: Sendable where Client: Sendable {}
