import GRPCCore
import NIOCore
import NIOHTTP2
import NIOPosix
import Synchronization

/// A gRPC server transport over cleartext HTTP/2 (h2c with prior knowledge, as Berth's gateway and its `grpc:`
/// probes speak to a replica), for grpc-swift's `GRPCServer`.
///
/// Why not grpc-swift-nio-transport's: it gives every call an HTTP/2 stream channel with its own pipeline and a
/// `NIOAsyncChannel`, which were a third of the shop's saga processes' CPU (BENCHMARKS.md). Here a connection is a
/// bare `NIOHTTP2Handler` and one handler that reads every stream (`ServerConnectionHandler`); a call is an inbox and
/// a task. It speaks all four kinds of call (requests are streamed to the handler), without compression.
public final class H2cServerTransport: ServerTransport, Sendable {
    public typealias Bytes = GRPCBuffer

    public struct Config: Sendable {
        /// The largest message a call may receive (grpc-swift's default: 4 MiB).
        public var maxMessageBytes = 4 * 1024 * 1024
        /// Inbound flow-control window of the connection and of each stream.
        public var window = 1024 * 1024
        /// SETTINGS_MAX_CONCURRENT_STREAMS: calls one connection may have open.
        public var maxConcurrentStreams = 100

        public init() {}
    }

    private let host: String
    private let port: Int
    private let config: Config
    private let group: any EventLoopGroup
    private let state = Mutex(State())

    private struct State: Sendable {
        var listener: (any Channel)?
        var address: SocketAddress?
        var connections: [ObjectIdentifier: NIOLoopBound<ServerConnectionHandler>] = [:]
        var shuttingDown = false
        var accepted: AsyncStream<Accepted>.Continuation?
        /// Callers of `listeningAddress` before the bind.
        var waiting: [CheckedContinuation<SocketAddress, any Error>] = []
    }

    struct Accepted: Sendable {
        let call: ServerCall
        let remotePeer: String
        let localPeer: String
    }

    public init(
        host: String, port: Int, config: Config = Config(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.port = port
        self.config = config
        self.group = group
    }

    /// The address the listener is bound to, once it is (port 0 picks one).
    public var listeningAddress: SocketAddress {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let address = state.withLock { state -> SocketAddress? in
                    if state.address == nil { state.waiting.append(continuation) }
                    return state.address
                }
                if let address { continuation.resume(returning: address) }
            }
        }
    }

    public func listen(
        streamHandler:
            @escaping @Sendable (_ stream: RPCStream<Inbound, Outbound>, _ context: ServerContext) async -> Void
    ) async throws {
        let (calls, continuation) = AsyncStream<Accepted>.makeStream()
        let limits = ServerConnectionHandler.Limits(maxMessageBytes: config.maxMessageBytes, window: config.window)
        let settings: HTTP2Settings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: config.maxConcurrentStreams),
            HTTP2Setting(parameter: .initialWindowSize, value: config.window),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 16 * 1024),
        ]
        let listener: any Channel
        do {
            listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        let id = ObjectIdentifier(channel)
                        let handler = ServerConnectionHandler(
                            limits: limits,
                            accept: { call, remotePeer, localPeer in
                                continuation.yield(Accepted(call: call, remotePeer: remotePeer, localPeer: localPeer))
                            },
                            closed: { [self] in connectionClosed(id) })
                        let admitted = state.withLock { state -> Bool in
                            guard !state.shuttingDown else { return false }
                            state.connections[id] = NIOLoopBound(handler, eventLoop: channel.eventLoop)
                            return true
                        }
                        guard admitted else { throw ChannelError.ioOnClosedChannel }
                        try channel.pipeline.syncOperations.addHandler(
                            NIOHTTP2Handler(mode: .server, initialSettings: settings))
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            failBound(error)
            throw error
        }
        let address = listener.localAddress
        let waiting = state.withLock { state -> [CheckedContinuation<SocketAddress, any Error>] in
            state.listener = listener
            state.address = address
            state.accepted = continuation
            defer { state.waiting = [] }
            return state.waiting
        }
        if let address { waiting.forEach { $0.resume(returning: address) } }

        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for await accepted in calls {
                    group.addTask { await Self.run(accepted, streamHandler) }
                }
            }
        } onCancel: {
            abort()
        }
        abort()
    }

    private static func run(
        _ accepted: Accepted,
        _ streamHandler: @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
    ) async {
        let call = accepted.call
        await withServerContextRPCCancellationHandle { handle in
            call.attach(handle)
            let stream = RPCStream(
                descriptor: call.descriptor,
                inbound: RPCAsyncSequence<RPCRequestPart<GRPCBuffer>, any Error>(
                    wrapping: CallInboxSequence(call.inbox)),
                outbound: RPCWriter.Closable(wrapping: ServerCallWriter(call: call)))
            let context = ServerContext(
                descriptor: call.descriptor, remotePeer: accepted.remotePeer, localPeer: accepted.localPeer,
                cancellation: handle)
            await streamHandler(stream, context)
            call.handled()
        }
    }

    /// No new connections or calls; those in flight finish, then `listen` returns.
    public func beginGracefulShutdown() {
        let (listener, connections) = state.withLock { state in
            state.shuttingDown = true
            return (state.listener, Array(state.connections.values))
        }
        listener?.close(promise: nil)
        for connection in connections {
            connection.eventLoop.execute { connection.value.goAway() }
        }
        finishIfIdle()
    }

    private func connectionClosed(_ id: ObjectIdentifier) {
        state.withLock { _ = $0.connections.removeValue(forKey: id) }
        finishIfIdle()
    }

    private func finishIfIdle() {
        let accepted = state.withLock { state -> AsyncStream<Accepted>.Continuation? in
            guard state.shuttingDown, state.connections.isEmpty else { return nil }
            defer { state.accepted = nil }
            return state.accepted
        }
        accepted?.finish()
    }

    /// Cancelled, or done: everything closes now.
    private func abort() {
        let (listener, connections, accepted) = state.withLock { state in
            state.shuttingDown = true
            defer { state.accepted = nil }
            return (state.listener, Array(state.connections.values), state.accepted)
        }
        listener?.close(promise: nil)
        for connection in connections {
            connection.eventLoop.execute { connection.value.closeNow() }
        }
        accepted?.finish()
    }

    private func failBound(_ error: any Error) {
        let waiting = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        waiting.forEach { $0.resume(throwing: error) }
    }
}
