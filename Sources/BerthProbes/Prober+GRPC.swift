import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

extension Prober {
    /// Calls grpc.health.v1 `Health/Check` for `service` (nil: the server's overall status) over cleartext HTTP/2
    /// with prior knowledge, as gRPC clients on an insecure channel do; succeeds on SERVING. One connection per
    /// attempt, closed afterwards, all within `timeout`.
    public func grpc(host: String, port: Int, service: String?, timeout: Duration) async -> ProbeOutcome {
        guard (1...65535).contains(port) else { return .failure("invalid port \(port)") }
        let loop = eventLoopGroup.next()
        let outcome = loop.makePromise(of: ProbeOutcome.self)
        let deadline = loop.scheduleTask(in: TimeAmount(timeout)) {
            outcome.succeed(.failure("timed out after \(Self.describe(timeout))"))
        }
        let request = GRPCHealthStreamHandler.Request(
            authority: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)", service: service,
            timeout: timeout)
        // HTTP/2 goes into the pipeline before the connection is up: a gRPC server sends its SETTINGS as soon as it
        // accepts, and bytes read before the handler was added would be lost (NIOHTTP2 then refuses the SETTINGS
        // ACK that follows: "ReceivedBadSettings").
        let connect = ClientBootstrap(group: loop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.addHTTP2(to: channel, outcome: outcome)
                }
            }
            .connect(host: host, port: port)
        connect.whenComplete { result in
            switch result {
            case .success(let channel):
                do {
                    try Self.startCheck(on: channel, request: request, outcome: outcome)
                } catch {
                    outcome.succeed(.failure("cannot start HTTP/2: \(error)"))
                }
            case .failure(let error):
                outcome.succeed(.failure(Self.describe(error, timeout: timeout)))
            }
        }
        let result = (try? await outcome.futureResult.get()) ?? .failure("probe abandoned")
        deadline.cancel()
        connect.whenSuccess { $0.close(promise: nil) }
        return result
    }

    /// The client side of HTTP/2 (on the channel's event loop, before it connects).
    private static func addHTTP2(to channel: any Channel, outcome: EventLoopPromise<ProbeOutcome>) throws {
        let pipeline = channel.pipeline.syncOperations
        _ = try pipeline.configureHTTP2Pipeline(
            mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
        ) { stream in
            // A health server does not open streams; refuse any it tries.
            stream.close()
        }
        try pipeline.addHandler(GRPCConnectionHandler(outcome: outcome))
    }

    /// Opens the one stream of the call on the connected `channel` (on its event loop).
    private static func startCheck(
        on channel: any Channel, request: GRPCHealthStreamHandler.Request, outcome: EventLoopPromise<ProbeOutcome>
    ) throws {
        let multiplexer = try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self).syncMultiplexer()
        multiplexer.createStreamChannel(promise: nil) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(
                    GRPCHealthStreamHandler(request: request, outcome: outcome))
            }
        }
    }
}

/// Sits behind the HTTP/2 handler on the connection: a connection-level error (the peer does not speak HTTP/2, a
/// protocol violation) or an early close ends the probe with words that say so.
final class GRPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let outcome: EventLoopPromise<ProbeOutcome>

    init(outcome: EventLoopPromise<ProbeOutcome>) {
        self.outcome = outcome
    }

    func channelInactive(context: ChannelHandlerContext) {
        // On the next tick, as for the stream: an HTTP/2 error found while the connection closes must win.
        let outcome = self.outcome
        context.eventLoop.execute { outcome.succeed(.failure("connection closed before a response")) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is any NIOHTTP2Error {
            // NIOHTTP2's error names its own source lines; the words that matter are these.
            outcome.succeed(.failure("not a gRPC answer: the server does not speak HTTP/2"))
        } else {
            outcome.succeed(.failure(Prober.describe(error, timeout: .zero)))
        }
        context.close(promise: nil)
    }
}
