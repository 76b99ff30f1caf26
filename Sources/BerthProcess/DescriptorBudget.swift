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

    /// The daemon's open descriptors: the size of /proc/self/fd (Linux 6.2 and later give the count there, as the usage
    /// sampling reads it: one `stat`, where listing the directory cost every spawn a pass over a few hundred entries),
    /// else its entries counted; nil when it cannot be read.
    public static func openDescriptors() -> Int? {
        var status = stat()
        if stat("/proc/self/fd", &status) == 0, status.st_size > 0 { return Int(status.st_size) }
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count - 1
    }
}
