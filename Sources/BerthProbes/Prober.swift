public import BerthProcess
public import BerthSystem
public import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs readiness and liveness probes: HTTP GET, TCP connect and exec. Each call is one attempt, bounded by its
/// timeout, and never throws: the supervisor's state machine only needs the outcome.
public struct Prober: Sendable {
    let eventLoopGroup: any EventLoopGroup
    let launcher: ProcessLauncher
    /// Where HTTP and TCP probes to an IP address run: the daemon's one epoll thread (`ProbeConnection`).
    let readiness: any ReadinessLoop
    /// Kept-alive HTTP probe connections, shared by the copies of this prober.
    let connections: ProbeConnectionPool
    /// HTTP probe requests, made once per address and path.
    let requests = ProbeRequestCache()

    public init(eventLoopGroup: any EventLoopGroup, launcher: ProcessLauncher) {
        self.eventLoopGroup = eventLoopGroup
        self.launcher = launcher
        self.readiness = launcher.readiness
        self.connections = ProbeConnectionPool(loop: readiness)
    }

    /// The epoll loop HTTP and TCP probes to an IP address run on.
    public var loop: any ReadinessLoop { readiness }

    /// How many kept-alive probe connections wait for their next probe.
    public var keptConnections: Int { connections.idleCount }

    /// Succeeds when a TCP connection to `host:port` is established within `timeout`.
    public func tcp(host: String, port: Int, timeout: Duration) async -> ProbeOutcome {
        guard (1...65535).contains(port) else { return .failure("invalid port \(port)") }
        if let address = ProbeAddress(host: host, port: port) {
            return await withCheckedContinuation { continuation in
                ProbeConnection.start(address, request: nil, timeout: timeout, loop: readiness) {
                    continuation.resume(returning: $0)
                }
            }
        }
        let loop = eventLoopGroup.next()
        let outcome = loop.makePromise(of: ProbeOutcome.self)
        let deadline = loop.scheduleTask(in: TimeAmount(timeout)) {
            outcome.succeed(.failure("timed out after \(Self.describe(timeout))"))
        }
        let connect = ClientBootstrap(group: loop)
            .connectTimeout(TimeAmount(timeout))
            .connect(host: host, port: port)
        connect.whenComplete { result in
            switch result {
            case .success(let channel):
                outcome.succeed(.success)
                channel.close(promise: nil)
            case .failure(let error):
                outcome.succeed(.failure(Self.describe(error, timeout: timeout)))
            }
        }
        let result = (try? await outcome.futureResult.get()) ?? .failure("probe abandoned")
        deadline.cancel()
        return result
    }

    /// Words for a connection failure.
    static func describe(_ error: any Error, timeout: Duration) -> String {
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first {
                return describe(first.error, timeout: timeout)
            }
            return "cannot resolve host '\(connection.host)'"
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return "timed out after \(describe(timeout))"
        }
        if let io = error as? IOError {
            return describe(errno: io.errnoCode, timeout: timeout)
        }
        return "\(error)"
    }

    /// Words for a failed connect, send or receive.
    static func describe(errno code: Int32, timeout: Duration) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset"
        case ETIMEDOUT: "timed out after \(describe(timeout))"
        case ENETUNREACH, EHOSTUNREACH: "host unreachable"
        default: Errno.message(code)
        }
    }

    /// "HTTP/1.1 204 No Content" -> success; "HTTP/1.1 503 ..." -> "HTTP 503".
    static func outcome(statusLine: ArraySlice<UInt8>) -> ProbeOutcome {
        var line = statusLine
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].starts(with: "HTTP/".utf8), parts[1].count == 3,
            parts[1].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else {
            return .failure("malformed HTTP response")
        }
        let status = parts[1].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return (200..<400).contains(status) ? .success : .failure("HTTP \(status)")
    }

    /// "1s", "250ms", "1.5s".
    public static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        return "\(Double(milliseconds) / 1000)s"
    }
}
