import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Watches the daemon's process from the CLI.
enum DaemonProcess {
    /// Whether `pid` runs (a zombie, dead but not yet reaped by its parent, counts as exited).
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Waits (polling, bounded) until `pid` has exited; false when it still runs after `limit`.
    static func waitForExit(_ pid: Int32, limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while isRunning(pid) {
            guard ContinuousClock.now < deadline else { return false }
            usleep(10_000)
        }
        return true
    }
}
