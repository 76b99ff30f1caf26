import BerthSystem
import Glibc

/// One berthd per state directory, decided by the kernel: an exclusive `flock` on `berthd.lock`, held for the
/// daemon's life (the descriptor is close-on-exec, so no replica holds it; the kernel drops it when berthd exits,
/// however it exits).
///
/// Why not the socket alone: two `berth up -d` at once started two daemons that both found no one answering on the
/// socket; the second bound its socket between the first's bind and listen (the probe is refused, so the socket
/// looks stale), replaced the first's socket file and ran the same project. The first ran on, unreachable, with its
/// own replicas, and no `berth down` could reach it (an integration run leaked one; a loop of two `up`s at once
/// leaked one daemon in about 30 rounds).
enum DaemonLock {
    /// How long a second daemon waits for the holder either to answer on the socket (then this one is not needed) or
    /// to let go (a daemon still exiting): less than `berth up`'s 10 s, so that this error is the one it shows.
    static let patience: Duration = .seconds(5)

    /// Takes the lock, or throws "another berthd is already serving SOCKET" (the wording `berth up` recognises)
    /// once the holder answers on the socket.
    static func take(path: String, socket: String, pidFile: String) throws -> Int32 {
        let fd = System.retrying { open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        guard fd >= 0 else {
            throw DaemonError(description: "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        let deadline = ContinuousClock.now + patience
        while true {
            if System.retrying({ flock(fd, LOCK_EX | LOCK_NB) }) == 0 { return fd }
            guard errno == EWOULDBLOCK else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw DaemonError(description: "cannot lock \(path): \(reason)")
            }
            if SocketProbe.answers(socket) {
                close(fd)
                throw DaemonError(description: "another berthd is already serving \(socket)")
            }
            if ContinuousClock.now >= deadline {
                close(fd)
                let holder = Self.holder(pidFile).map { " (pid \($0))" } ?? ""
                throw DaemonError(
                    description: "another berthd\(holder) holds \(path) but does not answer on \(socket); "
                        + "stop it first")
            }
            usleep(20_000)
        }
    }

    private static func holder(_ pidFile: String) -> Int32? {
        let fd = System.retrying { open(pidFile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { buffer in
            System.retrying { read(fd, buffer.baseAddress, buffer.count) }
        }
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes[..<count].prefix { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self))
    }
}
