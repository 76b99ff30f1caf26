import GRPCCore
import NIOCore
import NIOHTTP2
import NIOPosix
import Synchronization

/// A gRPC client transport over cleartext HTTP/2 to one address (Berth's gateway, which balances each call over
/// the ready replicas): one long-lived connection that every call multiplexes, made at the first call and again
/// after the gateway closes it or sends GOAWAY. For grpc-swift's `GRPCClient`.
///
/// Why not grpc-swift-nio-transport's: a stream channel with its own pipeline and a `NIOAsyncChannel` per call,
/// a third of the order process's CPU (BENCHMARKS.md). Here a call is an inbox and frames written by one
/// connection handler (`ClientConnectionHandler`).
public final class H2cClientTransport: ClientTransport, Sendable {
    public typealias Bytes = GRPCBuffer

    public struct Config: Sendable {
        /// The largest message a call may receive.
        public var maxMessageBytes = 4 * 1024 * 1024
        /// Inbound flow-control window of the connection and of each stream.
        public var window = 1024 * 1024
        /// How long a connection attempt may take.
        public var connectTimeout = TimeAmount.seconds(5)

        public init() {}
    }

    private let host: String
    private let port: Int
    private let authority: String
    private let config: Config
    private let group: any EventLoopGroup
    private let state = Mutex(State())

    private struct State: Sendable {
        var connection: Connection?
        var connecting: EventLoopFuture<Connection>?
        var shuttingDown = false
        /// `connect()`, waiting for the shutdown.
        var stopped: CheckedContinuation<Void, Never>?
    }

    struct Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ClientConnectionHandler>
        /// The peers' addresses as grpc-swift names them (`ipv4:127.0.0.1:8080`), read once when connected.
        let remotePeer: String
        let localPeer: String
    }

    public init(
        host: String, port: Int, config: Config = Config(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.port = port
        authority = "\(host):\(port)"
        self.config = config
        self.group = group
    }

    public var retryThrottle: RetryThrottle? { nil }

    public func config(forMethod descriptor: MethodDescriptor) -> MethodConfig? { nil }

    /// Runs until `beginGracefulShutdown`: connections are made on demand, by the calls.
    public func connect() async throws {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let stopNow = state.withLock { state -> Bool in
                    if state.shuttingDown { return true }
                    state.stopped = continuation
                    return false
                }
                if stopNow { continuation.resume() }
            }
        } onCancel: {
            beginGracefulShutdown()
        }
    }

    public func beginGracefulShutdown() {
        let (connection, stopped) = state.withLock { state in
            state.shuttingDown = true
            defer { state.stopped = nil }
            return (state.connection, state.stopped)
        }
        if let connection {
            connection.handler.eventLoop.execute { connection.handler.value.drain() }
        }
        stopped?.resume()
    }

    public func withStream<T: Sendable>(
        descriptor: MethodDescriptor, options: CallOptions,
        _ closure: (_ stream: RPCStream<Inbound, Outbound>, _ context: ClientContext) async throws -> T
    ) async throws -> T {
        let deadline = CallDeadline.current
        if let deadline, deadline <= .now { throw CallDeadline.exceeded }
        let connection = try await usableConnection(until: deadline)
        let call = ClientCall(
            descriptor: descriptor, inboxLimit: config.maxMessageBytes, connection: connection.handler)
        let expiry = deadline.map { deadline in
            connection.handler.eventLoop.scheduleTask(in: TimeAmount(until: deadline)) {
                call.onLoop { handler, call in handler.reset(call, CallDeadline.exceeded) }
            }
        }
        let stream = RPCStream(
            descriptor: descriptor,
            inbound: RPCAsyncSequence<RPCResponsePart<GRPCBuffer>, any Error>(wrapping: CallInboxSequence(call.inbox)),
            outbound: RPCWriter.Closable(wrapping: ClientCallWriter(call: call)))
        let context = ClientContext(
            descriptor: descriptor, remotePeer: connection.remotePeer, localPeer: connection.localPeer)
        defer {
            expiry?.cancel()
            // Whatever the caller did not wait for is not wanted: its stream is reset.
            call.onLoop { handler, call in handler.reset(call, RPCError(code: .cancelled, message: "the call ended")) }
        }
        return try await withTaskCancellationHandler {
            try await closure(stream, context)
        } onCancel: {
            call.onLoop { handler, call in
                handler.reset(call, RPCError(code: .cancelled, message: "the call was cancelled"))
            }
        }
    }

    /// The connection calls go on, made now if there is none or it is going away; a wait for it ends at
    /// `deadline` (`DEADLINE_EXCEEDED`), the connection attempt going on for the next call.
    private func usableConnection(until deadline: ContinuousClock.Instant?) async throws -> Connection {
        enum Next {
            case use(Connection)
            case wait(EventLoopFuture<Connection>)
            case refuse
        }
        let next = state.withLock { state -> Next in
            if state.shuttingDown { return .refuse }
            if let connection = state.connection { return .use(connection) }
            if let connecting = state.connecting { return .wait(connecting) }
            let connecting = makeConnection()
            state.connecting = connecting
            return .wait(connecting)
        }
        switch next {
        case .use(let connection): return connection
        case .refuse: throw RPCError(code: .unavailable, message: "the client is shutting down")
        case .wait(let future):
            do {
                return try await Self.bounded(future, until: deadline).get()
            } catch let error as RPCError {
                throw error
            } catch {
                throw RPCError(
                    code: .unavailable, message: "cannot connect to \(authority): \(error)", cause: error)
            }
        }
    }

    /// `future`, failed with `DEADLINE_EXCEEDED` at `deadline` if it has not completed by then.
    private static func bounded(
        _ future: EventLoopFuture<Connection>, until deadline: ContinuousClock.Instant?
    ) -> EventLoopFuture<Connection> {
        guard let deadline else { return future }
        let promise = future.eventLoop.makePromise(of: Connection.self)
        let timer = future.eventLoop.scheduleTask(in: TimeAmount(until: deadline)) {
            promise.fail(CallDeadline.exceeded)
        }
        future.whenComplete { result in
            timer.cancel()
            promise.completeWith(result)  // nothing, when the deadline failed it first
        }
        return promise.futureResult
    }

    private func makeConnection() -> EventLoopFuture<Connection> {
        let window = config.window
        let authority = authority
        let loop = group.next()
        let promise = loop.makePromise(of: Connection.self)
        let settings: HTTP2Settings = [
            HTTP2Setting(parameter: .enablePush, value: 0),
            HTTP2Setting(parameter: .initialWindowSize, value: window),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 16 * 1024),
        ]
        ClientBootstrap(group: loop)
            .connectTimeout(config.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = ObjectIdentifier(channel)
                    let handler = ClientConnectionHandler(
                        window: window, authority: authority, unusable: { [self] in dropConnection(id) })
                    try channel.pipeline.syncOperations.addHandler(
                        NIOHTTP2Handler(mode: .client, initialSettings: settings))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self)
                return Connection(
                    channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                    remotePeer: handler.remotePeer, localPeer: handler.localPeer)
            }
            .whenComplete { [self] result in
                let lateForShutdown = state.withLock { state -> Bool in
                    state.connecting = nil
                    guard case .success(let connection) = result else { return false }
                    if state.shuttingDown { return true }
                    state.connection = connection
                    return false
                }
                if lateForShutdown, case .success(let connection) = result { connection.handler.value.drain() }
                promise.completeWith(result)
            }
        return promise.futureResult
    }

    private func dropConnection(_ id: ObjectIdentifier) {
        state.withLock { state in
            if let connection = state.connection, ObjectIdentifier(connection.channel) == id {
                state.connection = nil
            }
        }
    }
}
