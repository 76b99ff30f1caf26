import BerthSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP or TCP probe on a raw non-blocking socket, served by the daemon's one epoll thread (`ReadinessLoop`).
/// A channel, a pipeline, promises and a task per probe cost ~160 µs of CPU each (bench/scale.sh at 1,000 replicas);
/// this costs a socket, a connect, a send, a read and a close, or only a send and a read on a kept-alive connection
/// (`ProbeConnectionPool`, which leaves it in the epoll set between probes). Its state is touched by the starting
/// thread until it is handed to the loop, then by the loop's thread only.
final class ProbeConnection: ReadinessHandler, @unchecked Sendable {
    private enum Phase {
        case connecting
        case sending
        case reading
        case finished
    }

    /// Where a kept-alive probe's connection comes from and goes back to.
    struct KeepAlive: Sendable {
        let pool: ProbeConnectionPool
        let key: ProbeConnectionPool.Key
    }

    private let fd: Int32
    private let address: ProbeAddress
    /// nil: a TCP probe, done once connected.
    private let request: [UInt8]?
    private let timeout: Duration
    private let deadline: ContinuousClock.Instant
    private let keepAlive: KeepAlive?
    /// A kept connection from the pool: if it turns out closed before any answer, the probe reconnects.
    private let reused: Bool
    private let loop: any ReadinessLoop
    private let completion: @Sendable (ProbeOutcome) -> Void
    private var phase = Phase.connecting
    private var sent = 0
    private var receivedAny = false
    private var reported = false
    private var response = ProbeResponseReader()

    private init(
        fd: Int32, address: ProbeAddress, request: [UInt8]?, timeout: Duration, deadline: ContinuousClock.Instant,
        keepAlive: KeepAlive?, reused: Bool, loop: any ReadinessLoop,
        completion: @escaping @Sendable (ProbeOutcome) -> Void
    ) {
        self.fd = fd
        self.address = address
        self.request = request
        self.timeout = timeout
        self.deadline = deadline
        self.keepAlive = keepAlive
        self.reused = reused
        self.loop = loop
        self.completion = completion
    }

    /// Connects to `address` (or takes a kept connection from `keepAlive`'s pool) and hands the socket to `loop`;
    /// `completion` is called once, on this thread when the outcome is known at once (a refused connection), else on
    /// the loop's.
    static func start(
        _ address: ProbeAddress, request: [UInt8]?, timeout: Duration, keepAlive: KeepAlive? = nil,
        loop: any ReadinessLoop, completion: @escaping @Sendable (ProbeOutcome) -> Void
    ) {
        let deadline = ContinuousClock.now + timeout
        if let keepAlive, let request, let kept = keepAlive.pool.checkOut(keepAlive.key) {
            let connection = ProbeConnection(
                fd: kept.fd, address: address, request: request, timeout: timeout, deadline: deadline,
                keepAlive: keepAlive, reused: true, loop: loop, completion: completion)
            connection.phase = .sending
            // A send that fails here (the server closed the kept connection meanwhile) reconnects. The connection
            // is still in the loop (`WatchNext.keep`): the probe takes its watch over, no epoll_ctl.
            let next = connection.send()
            guard next != .done else { return loop.cancel(kept.token) }
            if !loop.rewatch(kept.token, for: next, deadline: deadline, handler: connection) {
                // The kept watch is gone (never expected): as for a connection found closed, reconnect.
                _ = connection.failOrReconnect(errno: nil)
            }
            return
        }
        connect(
            address, request: request, timeout: timeout, deadline: deadline, keepAlive: keepAlive, loop: loop,
            completion: completion)
    }

    /// A probe on a new connection.
    private static func connect(
        _ address: ProbeAddress, request: [UInt8]?, timeout: Duration, deadline: ContinuousClock.Instant,
        keepAlive: KeepAlive?, loop: any ReadinessLoop, completion: @escaping @Sendable (ProbeOutcome) -> Void
    ) {
        let fd: Int32
        do {
            fd = try SocketAddresses.socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
        } catch {
            completion(.failure(error.description))
            return
        }
        // Closed with a reset rather than a FIN exchange, as HAProxy closes its health checks: on loopback this
        // process pays for both ends of every packet, and a probe leaves no TIME_WAIT socket behind.
        var noLinger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &noLinger, socklen_t(MemoryLayout<linger>.size))
        let connection = ProbeConnection(
            fd: fd, address: address, request: request, timeout: timeout, deadline: deadline, keepAlive: keepAlive,
            reused: false, loop: loop, completion: completion)
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        let next: WatchNext
        if result == 0 {
            next = connection.connected()
        } else if errno == EINPROGRESS || errno == EINTR {
            // EINTR: the connection goes on in the background, as with EINPROGRESS. On loopback the handshake is
            // usually over by now: an HTTP probe tries its request at once and saves a wake-up.
            next = request == nil ? .write : connection.sendIfConnected()
        } else {
            next = connection.finish(.failure(Prober.describe(errno: errno, timeout: timeout)))
        }
        guard next != .done else {
            System.close(fd)
            return
        }
        do {
            try loop.watch(fd, for: next, deadline: deadline, handler: connection)
        } catch {
            connection.finish(.failure(error.description))
        }
    }

    func ready() -> WatchNext {
        switch phase {
        case .connecting:
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = errno }
            guard code == 0 else { return finish(.failure(Prober.describe(errno: code, timeout: timeout))) }
            return connected()
        case .sending:
            return send()
        case .reading:
            return read()
        case .finished:
            return .done
        }
    }

    func timedOut() {
        finish(.failure("timed out after \(Prober.describe(timeout))"))
    }

    /// The response ended cleanly on a connection that may carry the next probe: it waits in the loop, served by an
    /// `IdleWatch` (installed before the pool hands it out, so that the next probe's handler is never overwritten).
    func kept(_ fd: Int32, token: UInt64) {
        let kept = ProbeConnectionPool.Kept(fd: fd, token: token)
        if let keepAlive,
            loop.rewatch(
                token, for: .read, deadline: nil,
                handler: IdleWatch(pool: keepAlive.pool, key: keepAlive.key, kept: kept))
        {
            keepAlive.pool.checkIn(keepAlive.key, kept, fresh: !reused)
        } else {
            loop.cancel(token)
        }
        if let outcome = response.outcome { report(outcome) }
    }

    /// The request, sent now if the connection is already established; else wait for it to be (or to fail).
    private func sendIfConnected() -> WatchNext {
        guard let request else { return .write }
        let count = request.withUnsafeBytes { bytes in
            System.retrying { Glibc.send(fd, bytes.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL)) }
        }
        guard count > 0 else {
            // Not connected yet: wait for it. Any other error is the connection's (send reports and clears it).
            let code = errno
            if [EAGAIN, EWOULDBLOCK, ENOTCONN, EINPROGRESS, EALREADY].contains(code) { return .write }
            return finish(.failure(Prober.describe(errno: code, timeout: timeout)))
        }
        phase = .sending
        sent = count
        return send()
    }

    private func connected() -> WatchNext {
        guard request != nil else { return finish(.success) }
        phase = .sending
        return send()
    }

    private func send() -> WatchNext {
        guard let request else { return finish(.success) }
        while sent < request.count {
            let count = request.withUnsafeBytes { bytes in
                System.retrying {
                    Glibc.send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                }
            }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return .write }
                return failOrReconnect(errno: errno)
            }
            sent += count
        }
        phase = .reading
        return .read
    }

    private func read() -> WatchNext {
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { buffer in
            while true {
                let count = System.retrying { recv(fd, buffer.baseAddress, buffer.count, 0) }
                if count < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK { return .read }
                    return failOrReconnect(errno: errno)
                }
                if count == 0 {
                    guard receivedAny else { return failOrReconnect(errno: nil) }
                    // A body that runs to the close ends here; any other response was cut, after its status line
                    // (else the reader's outcome was missing, reported below).
                    if response.outcome == nil { return finish(.failure("connection closed before a response")) }
                    phase = .finished
                    return .done
                }
                receivedAny = true
                response.consume(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                if !reported, response.end == .reusable, keepAlive != nil {
                    // The whole response came at once: reported once the connection is back in the pool
                    // (`kept`), so that a probe started right after this one finds it there.
                    phase = .finished
                    return .keep
                }
                if !reported, let outcome = response.outcome {
                    // Reported at the status line: a probe must not depend on how large or slow the body is. The
                    // rest is still read (bounded by the timeout and the reader's limits), so that a replica that
                    // writes its head and its body apart does not see its second write fail.
                    report(outcome)
                }
                switch response.end {
                case .reusable?:
                    phase = .finished
                    return keepAlive == nil ? .done : .keep
                case .close?:
                    phase = .finished
                    return .done
                case nil:
                    continue
                }
            }
        }
    }

    /// A send or receive failed (`errno` nil: the server closed first). On a kept connection before any answer the
    /// server closed it while it was idle (its keep-alive timeout, a restart): reconnect, not a failure. Otherwise
    /// the probe fails as on a new connection.
    private func failOrReconnect(errno code: Int32?) -> WatchNext {
        guard reused, !receivedAny, !reported else {
            if let code { return finish(.failure(Prober.describe(errno: code, timeout: timeout))) }
            return finish(.failure("connection closed before a response"))
        }
        phase = .finished
        Self.connect(
            address, request: request, timeout: timeout, deadline: deadline, keepAlive: keepAlive,
            loop: loop, completion: completion)
        reported = true  // The new connection reports.
        return .done
    }

    private func report(_ outcome: ProbeOutcome) {
        guard !reported else { return }
        reported = true
        completion(outcome)
    }

    /// Reports `outcome` (if not yet) and says the watch is over.
    @discardableResult
    private func finish(_ outcome: ProbeOutcome) -> WatchNext {
        phase = .finished
        report(outcome)
        return .done
    }
}

/// A probe's target as a socket address: an IPv4 or IPv6 literal (a name goes through NIO's resolver instead).
struct ProbeAddress {
    let family: Int32
    private var storage = sockaddr_storage()
    private let length: socklen_t

    init?(host: String, port: Int) {
        guard let port = UInt16(exactly: port) else { return nil }
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            family = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v4, as: sockaddr_in.self) }
            return
        }
        var v6 = sockaddr_in6()
        guard inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 else { return nil }
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = port.bigEndian
        family = AF_INET6
        length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v6, as: sockaddr_in6.self) }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}
