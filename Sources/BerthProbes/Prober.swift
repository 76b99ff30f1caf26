public import BerthProcess
import BerthSystem
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

    public init(eventLoopGroup: any EventLoopGroup, launcher: ProcessLauncher) {
        self.eventLoopGroup = eventLoopGroup
        self.launcher = launcher
    }

    /// Succeeds when a TCP connection to `host:port` is established within `timeout`.
    public func tcp(host: String, port: Int, timeout: Duration) async -> ProbeOutcome {
        guard (1...65535).contains(port) else { return .failure("invalid port \(port)") }
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
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset"
            case ETIMEDOUT: return "timed out after \(describe(timeout))"
            case ENETUNREACH, EHOSTUNREACH: return "host unreachable"
            default: return Errno.message(io.errnoCode)
            }
        }
        return "\(error)"
    }

    /// "1s", "250ms", "1.5s".
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        return "\(Double(milliseconds) / 1000)s"
    }
}
