import BerthSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP or TCP probe on a raw non-blocking socket, served by the daemon's one epoll thread (`ReadinessLoop`).
/// A channel, a pipeline, promises and a task per probe cost ~160 µs of CPU each (bench/scale.sh at 1,000 replicas);
/// this costs a socket, a connect, a send, a read and a close. Its state is touched by the starting thread until it
/// is handed to the loop, then by the loop's thread only.
final class ProbeConnection: ReadinessHandler, @unchecked Sendable {
    private enum Phase {
        case connecting
        case sending
        case reading
        /// The outcome is reported; the rest of the response is read (and dropped) before the reset.
        case draining
        case finished
    }

    /// The longest status line read before the response is called malformed.
    static let maxStatusLineBytes = 8 * 1024
    /// How much of the response after the status line is read before the reset cuts the rest: enough for a health
    /// page; a larger one is cut, as before.
    static let maxDrainBytes = 64 * 1024

    private let fd: Int32
    /// nil: a TCP probe, done once connected.
    private let request: [UInt8]?
    private let timeout: Duration
    private let completion: @Sendable (ProbeOutcome) -> Void
    private var phase = Phase.connecting
    private var sent = 0
    private var received: [UInt8] = []
    private var drained = 0

    private init(
        fd: Int32, request: [UInt8]?, timeout: Duration, completion: @escaping @Sendable (ProbeOutcome) -> Void
    ) {
        self.fd = fd
        self.request = request
        self.timeout = timeout
        self.completion = completion
    }

    /// Connects to `address` and hands the socket to `loop`; `completion` is called once, on this thread when the
    /// outcome is known at once (a refused connection), else on the loop's.
    static func start(
        _ address: ProbeAddress, request: [UInt8]?, timeout: Duration, loop: any ReadinessLoop,
        completion: @escaping @Sendable (ProbeOutcome) -> Void
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
        let connection = ProbeConnection(fd: fd, request: request, timeout: timeout, completion: completion)
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
            try loop.watch(fd, for: next, deadline: .now + timeout, handler: connection)
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
        case .draining:
            return drain()
        case .finished:
            return .done
        }
    }

    func timedOut() {
        finish(.failure("timed out after \(Prober.describe(timeout))"))
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
                return finish(.failure(Prober.describe(errno: errno, timeout: timeout)))
            }
            sent += count
        }
        phase = .reading
        return .read
    }

    private func read() -> WatchNext {
        withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 1) { buffer in
            while true {
                let count = System.retrying { recv(fd, buffer.baseAddress, buffer.count, 0) }
                if count < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK { return .read }
                    return finish(.failure(Prober.describe(errno: errno, timeout: timeout)))
                }
                if count == 0 { return finish(.failure("connection closed before a response")) }
                let start = received.count
                received.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                if let newline = received[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    finish(Prober.outcome(statusLine: received[..<newline]))
                    // The outcome is known, but a reset now would cut the replica's response in the middle: a
                    // server that writes its head and its body apart then fails its second write (EPIPE, a
                    // traceback in the replica's log at every probe). The request said `Connection: close`, so the
                    // replica ends the response with a FIN: read to it (bounded by the timeout and
                    // `maxDrainBytes`), then reset.
                    drained = received.count - newline - 1
                    received = []
                    phase = .draining
                    return drain()
                }
                if received.count > Self.maxStatusLineBytes { return finish(.failure("malformed HTTP response")) }
            }
        }
    }

    /// Reads what the replica still sends until it closes; the loop then closes the socket (with a reset).
    private func drain() -> WatchNext {
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { buffer in
            while drained <= Self.maxDrainBytes {
                let count = System.retrying { recv(fd, buffer.baseAddress, buffer.count, 0) }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return .read }
                if count <= 0 { break }
                drained += count
            }
            phase = .finished
            return .done
        }
    }

    /// Reports `outcome` (once) and says the watch is over.
    @discardableResult
    private func finish(_ outcome: ProbeOutcome) -> WatchNext {
        guard phase != .finished, phase != .draining else { return .done }
        phase = .finished
        completion(outcome)
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
