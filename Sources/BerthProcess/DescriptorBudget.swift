import Glibc

/// Keeps the daemon from filling its descriptor table with pipes: a spawn that would leave fewer than `headroom`
/// descriptors free is refused with a clear error instead.
///
/// A full table is worse than a failed spawn: libdispatch (under Swift's concurrency runtime) aborts the process
/// when its worker-pool monitor cannot open `/proc/self/task/TID/stat`, and the gateway, the control socket and
/// the probes all need descriptors of their own.
public enum DescriptorBudget {
    /// Descriptors always left free by a spawn.
    static let headroom = 16
    /// With a limit this high the count is not worth taking.
    static let uncountedAbove: rlim_t = 1 << 20

    static func reserve(_ needed: Int) throws(SpawnError) {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0,
            limit.rlim_cur < uncountedAbove
        else { return }
        let cap = Int(limit.rlim_cur)
        let inUse = openDescriptors() ?? cap
        if inUse + needed + headroom > cap {
            throw .descriptorsExhausted(inUse: inUse, limit: cap)
        }
    }

    /// The entries of /proc/self/fd (one of them the directory being read); nil when it cannot be read.
    public static func openDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count - 1
    }
}
