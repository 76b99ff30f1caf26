import NIOCore
import NIOPosix

extension Prober {
    /// `GET path` with a Host header and `Connection: close`; succeeds on a 2xx or 3xx status line. Only the status
    /// line is read: a probe must not depend on how large or slow the body is.
    public func http(host: String, port: Int, path: String, timeout: Duration) async -> ProbeOutcome {
        guard (1...65535).contains(port) else { return .failure("invalid port \(port)") }
        guard path.hasPrefix("/"), !path.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            return .failure("invalid probe path '\(path)'")
        }
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: berth-probe\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n"
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

    /// "HTTP/1.1 204 No Content" -> success; "HTTP/1.1 503 ..." -> "HTTP 503".
    static func outcome(statusLine: ArraySlice<UInt8>) -> ProbeOutcome {
        let text = String(decoding: statusLine, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3, let status = Int(parts[1]) else {
            return .failure("malformed HTTP response")
        }
        return (200..<400).contains(status) ? .success : .failure("HTTP \(status)")
    }
}
