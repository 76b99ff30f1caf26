import BerthProcess

#if canImport(Glibc)
    import Glibc
#endif

/// berthd's open-file limit, raised at start and shared out: the gateway's client connections must never take the
/// descriptors the rest of the daemon needs (the control socket, replica pipes, probes, the journal socket).
///
/// The soft limit is raised to the hard one at start, as systemd does for its services and the Go runtime does
/// for every program: a low soft limit (often 1024) is a historical default, not a choice of the user's.
enum OpenFileLimit {
    /// The soft limit before and after raising it.
    static let raised: (before: UInt64, now: UInt64) = {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (0, 0) }
        let before = UInt64(limit.rlim_cur)
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 { return (before, before) }
        }
        return (before, UInt64(limit.rlim_cur))
    }()

    /// Below this the daemon says at start that the limit is low.
    static let comfortable: UInt64 = 4096

    /// Descriptors kept for everything but gateway client connections: what the daemon has open when the gateway
    /// is configured (event loops, sockets, the log), and room for replica pipes, probes and control clients.
    static func reserve(limit: UInt64, inUse: UInt64) -> UInt64 {
        max(min(256, limit / 4), inUse + 64)
    }

    /// How many client connections the gateway may hold with `limit` descriptors: each may need an upstream
    /// connection too (the pooled idle ones never outnumber the peak of requests in flight), so half of what is
    /// left after the reserve.
    ///
    /// Running out is not an option: libdispatch (under Swift's concurrency runtime) aborts the process when it
    /// cannot open `/proc/self/task/TID/stat` in its worker-pool monitor, which a full descriptor table causes.
    static func clientConnectionCap(limit: UInt64, inUse: UInt64) -> Int {
        guard limit > 0 else { return Int.max }
        let reserve = reserve(limit: limit, inUse: inUse)
        return limit > reserve ? Int(clamping: max(1, (limit - reserve) / 2)) : 1
    }

    /// What the daemon had open when the gateway was first configured: counted once, so that a reload or the
    /// start-up message gives the same limit.
    static let baseInUse: UInt64 = inUse()

    /// Descriptors open now (the entries of /proc/self/fd).
    static func inUse() -> UInt64 {
        UInt64(DescriptorBudget.openDescriptors() ?? 0)
    }

    /// Connections the control API (and, separately, the admin listener) holds at once: from the reserve, so
    /// that they never take what replicas and probes need.
    static var sideConnections: Int {
        Int(clamping: max(8, min(256, raised.now / 16)))
    }

    /// The gateway's connection limit: the manifest's `max_connections`, or less when descriptors are short.
    static func gatewayConnections(configured: Int) -> Int {
        min(configured, clientConnectionCap(limit: raised.now, inUse: baseInUse))
    }
}
