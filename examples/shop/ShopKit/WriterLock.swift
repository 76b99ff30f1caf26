import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The lock every process writing one SQLite file takes before `BEGIN IMMEDIATE`: an exclusive `flock` on a file
/// beside the database (`PATH.writer-lock`).
///
/// Why: SQLite's own write lock cannot be waited for. A second writer polls it from its busy handler, sleeping
/// 1, 2, 5, 10, ... 100 ms between tries, so a replica whose neighbour writes often waits tens of milliseconds
/// after the lock is free, while the neighbour takes it again and again (its own writers queue behind the one that
/// sleeps). Measured: with the shop's short transactions it made no measurable difference (BENCHMARKS.md). A process
/// blocked in `flock` is woken by the kernel the moment the holder lets go. The kernel drops the lock when the
/// holding process dies (crash, `kill -9`), so no lock outlives its holder; the busy timeout still bounds a wait for
/// a writer that does not take this lock (the `sqlite3` shell).
public final class WriterLock: Sendable {
    public let path: String
    private let descriptor: Int32
    /// Where a process waits for the lock: its own thread, so that a wait never holds one of the threads SQLite's
    /// statements (NIO's blocking pool) or the cooperative pool run on. One waiter at a time per database (the
    /// `ShopDatabase`'s async lock is held while waiting).
    private let waiter: DispatchQueue

    /// Opens (creating it if needed) the lock file at `path`; the descriptor stays open for the process's life.
    /// Mode 0600: `flock` needs only an open descriptor, so whoever can open the file could hold every writer back.
    public init(path: String) throws(WriterLockError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw WriterLockError(path: path, operation: "open", code: errno) }
        self.path = path
        self.descriptor = descriptor
        waiter = DispatchQueue(label: "shop.writer-lock")
    }

    deinit {
        close(descriptor)
    }

    /// Takes the lock: at once when it is free (no thread hop); when another process holds it, first by trying again
    /// after yielding the CPU a few times (a holder's transaction is synchronous and takes tens of microseconds,
    /// so it is usually let go within a yield or two), and only then by waiting for it on the lock's own thread.
    /// Measured: with the waiting thread alone, every contended write woke a dispatch worker (often a new thread)
    /// and then the event loop again, several futex calls and context switches per order.
    public func lock() async throws {
        if try attempt(LOCK_EX | LOCK_NB) { return }
        for _ in 0..<Self.yieldsBeforeWaiting {
            sched_yield()
            if try attempt(LOCK_EX | LOCK_NB) { return }
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            waiter.async {
                do {
                    _ = try self.attempt(LOCK_EX)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// How many times `lock` yields the CPU and tries again before it waits on its own thread.
    static let yieldsBeforeWaiting = 16

    public func unlock() {
        _ = flock(descriptor, LOCK_UN)
    }

    /// True when taken; false when another process holds it (non-blocking mode only).
    private func attempt(_ operation: Int32) throws(WriterLockError) -> Bool {
        while true {
            if flock(descriptor, operation) == 0 { return true }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN { return false }  // EWOULDBLOCK: held by another process
            throw WriterLockError(path: path, operation: "flock", code: code)
        }
    }
}

/// The writer lock's file could not be opened or locked (a read-only folder, too many open files).
public struct WriterLockError: Error, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var code: Int32

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}
