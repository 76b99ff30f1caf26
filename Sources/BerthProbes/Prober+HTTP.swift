import NIOCore
import NIOPosix

extension Prober {
    /// `GET path` with a Host header, and `Connection: close` unless the connection is to be kept for the next probe
    /// (HTTP/1.1's default then keeps it).
    static func request(host: String, port: Int, path: String, keepAlive: Bool = false) -> String {
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: berth-probe\r\n"
            + (keepAlive ? "Accept: */*\r\n\r\n" : "Accept: */*\r\nConnection: close\r\n\r\n")
    }

    /// Whether `path` may go in a request line.
    static func isValid(path: String) -> Bool {
        path.hasPrefix("/") && !path.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
    }

    /// `GET path` with a Host header and `Connection: close`; succeeds on a 2xx or 3xx status line. Only the status
    /// line is read: a probe must not depend on how large or slow the body is.
    public func http(host: String, port: Int, path: String, timeout: Duration) async -> ProbeOutcome {
        guard (1...65535).contains(port) else { return .failure("invalid port \(port)") }
        guard Self.isValid(path: path) else {
            return .failure("invalid probe path '\(path)'")
        }
        let request = Self.request(host: host, port: port, path: path)
        if let address = ProbeAddress(host: host, port: port) {
            return await withCheckedContinuation { continuation in
                ProbeConnection.start(address, request: Array(request.utf8), timeout: timeout, loop: readiness) {
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
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        StatusLineHandler(request: request, outcome: outcome)
                    )
                }
            }
            .connect(host: host, port: port)
        connect.whenFailure { error in
            outcome.succeed(.failure(Self.describe(error, timeout: timeout)))
        }
        let result = (try? await outcome.futureResult.get()) ?? .failure("probe abandoned")
        deadline.cancel()
        connect.whenSuccess { $0.close(promise: nil) }
        return result
    }
}

/// Sends the probe request once connected and completes the outcome from the response's status line.
final class StatusLineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private static let maxStatusLineBytes = 8 * 1024
    private let request: String
    private let outcome: EventLoopPromise<ProbeOutcome>
    private var received: [UInt8] = []

    init(request: String, outcome: EventLoopPromise<ProbeOutcome>) {
        self.request = request
        self.outcome = outcome
    }

    func channelActive(context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: request)
        context.writeAndFlush(NIOAny(buffer), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        received += buffer.readableBytesView
        if let newline = received.firstIndex(of: UInt8(ascii: "\n")) {
            outcome.succeed(Self.outcome(statusLine: received[..<newline]))
            context.close(promise: nil)
        } else if received.count > Self.maxStatusLineBytes {
            outcome.succeed(.failure("malformed HTTP response"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        outcome.succeed(.failure("connection closed before a response"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        outcome.succeed(.failure(Prober.describe(error, timeout: .zero)))
        context.close(promise: nil)
    }

    static func outcome(statusLine: ArraySlice<UInt8>) -> ProbeOutcome {
        Prober.outcome(statusLine: statusLine)
    }
}
