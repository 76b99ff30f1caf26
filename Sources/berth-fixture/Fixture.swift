import Glibc

/// Process-wide facts the request handlers read: start instant, pid, configuration.
struct Fixture: Sendable {
    let started: ContinuousClock.Instant
    let pid: Int32
    let replica: String
    let readyAfter: Duration
    let healthFailAfter: Duration?
    let grandchildPID: Int32?

    var elapsed: Duration { ContinuousClock.now - started }

    /// Writes one line to fd 1 or 2 unbuffered (stdout is a pipe under the supervisor).
    static func emit(_ line: String, to fd: Int32 = 1) {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) < 0, errno == EINTR {
            request = remaining
        }
    }
}

/// Starts a detached pthread (the fixture avoids Foundation to start fast).
enum FixtureThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    static func start(_ run: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(run)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
        guard result == 0 else {
            Fixture.emit("fixture: pthread_create failed: \(result)", to: 2)
            exit(70)
        }
        pthread_detach(thread)
    }
}
