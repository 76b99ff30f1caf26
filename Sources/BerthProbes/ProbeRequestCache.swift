import Synchronization

/// The bytes of each HTTP probe request, made once per replica address and path: building the request text anew
/// cost a handful of allocations per probe, 2,000 times a second at 1,000 replicas (bench/scale.sh, perf).
final class ProbeRequestCache: Sendable {
    private struct Key: Hashable {
        var host: String
        var port: Int
        var path: String
        var keepAlive: Bool
    }

    /// Past this many requests the cache starts over (replicas come and go with new ports).
    static let limit = 8192

    private let requests = Mutex<[Key: [UInt8]]>([:])

    func request(host: String, port: Int, path: String, keepAlive: Bool) -> [UInt8] {
        let key = Key(host: host, port: port, path: path, keepAlive: keepAlive)
        if let found = requests.withLock({ $0[key] }) { return found }
        let made = Array(Prober.request(host: host, port: port, path: path, keepAlive: keepAlive).utf8)
        requests.withLock { requests in
            if requests.count >= Self.limit { requests.removeAll() }
            requests[key] = made
        }
        return made
    }
}
