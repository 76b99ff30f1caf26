#if canImport(Glibc)
    import Glibc
#endif

/// A mutex with a condition variable (pthread), for the few threads of their own that wait for work (the log
/// writer): Foundation's `NSCondition` and `Thread` pull full Foundation, CoreFoundation and ICU into berthd's
/// static link (+5.4 MB of RSS measured on a hello-world, BENCHMARKS.md), where FoundationEssentials has neither.
/// Timed waits use CLOCK_MONOTONIC, like `ContinuousClock`.
public final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Wakes every waiter (call with the lock held).
    public func broadcast() { pthread_cond_broadcast(condition) }

    /// Releases the lock until woken, then takes it again (call with the lock held; wake-ups may be spurious).
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// Like `wait`, but gives up at `deadline`: false when it passed without a wake-up.
    public func wait(until deadline: ContinuousClock.Instant) -> Bool {
        let left = deadline - .now
        guard left > .zero else { return false }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = left.components
        var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        var end = timespec(tv_sec: now.tv_sec + Int(seconds), tv_nsec: 0)
        if nanoseconds >= 1_000_000_000 {
            end.tv_sec += 1
            nanoseconds -= 1_000_000_000
        }
        end.tv_nsec = nanoseconds
        return pthread_cond_timedwait(condition, mutex, &end) != ETIMEDOUT
    }
}

extension System {
    /// Starts a detached pthread named `name` (at most 15 bytes show in `ps`) running `body`: a blocking loop that
    /// must stay off the Swift concurrency pool, without Foundation's `Thread`.
    public static func startThread(name: String, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        final class Box {
            let name: String
            let body: @Sendable () -> Void
            init(_ name: String, _ body: @escaping @Sendable () -> Void) {
                self.name = name
                self.body = body
            }
        }
        let context = Unmanaged.passRetained(Box(name, body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
                nameThisThread(box.name)
                box.body()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            throw SystemError("pthread_create", code: result)
        }
        pthread_detach(thread)
    }
}

/// What `ps -L` and `top -H` show for the calling thread (Linux keeps 15 bytes). `pthread_setname_np` and `prctl` are
/// not visible from Swift without a C shim; the kernel takes the name from `/proc/thread-self/comm` as well.
private func nameThisThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    try? System.writeAll(fd, Array(name.utf8.prefix(15)))
    System.close(fd)
}
