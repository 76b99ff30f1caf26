import NIOCore
import NIOPosix

/// Where a publisher's messages go: a durable exchange, and the durable queue bound to it that the consumers
/// read. The publisher declares the queue too (declaring is idempotent), so that an event published before any
/// consumer ever ran is kept instead of dropped by an exchange with no binding.
public struct AMQPTopology: Sendable {
    public var exchange: String
    public var exchangeType: String
    public var queue: String
    public var bindingKey: String

    public init(exchange: String, exchangeType: String = "topic", queue: String, bindingKey: String) {
        self.exchange = exchange
        self.exchangeType = exchangeType
        self.queue = queue
        self.bindingKey = bindingKey
    }
}

/// Opens connections to the broker. Each `withSession` is one TCP connection with one channel in confirm mode,
/// closed when the body returns or throws; the caller reconnects (with backoff) by calling it again.
public struct AMQPConnector: Sendable {
    public var configuration: AMQPConfiguration

    public init(configuration: AMQPConfiguration) {
        self.configuration = configuration
    }

    public func withSession(_ body: (AMQPSession) async throws -> Void) async throws {
        let configuration = self.configuration
        let asyncChannel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(configuration.connectTimeoutSeconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(AMQPFrameDecoder(maxSize: Int(AMQPSession.maxFrame))))
                    try channel.pipeline.syncOperations.addHandler(AMQPHeartbeatFilter())
                    return try NIOAsyncChannel<AMQPFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await asyncChannel.executeThenClose { inbound, outbound in
            let session = AMQPSession(
                frames: inbound.makeAsyncIterator(), writer: outbound, channel: asyncChannel.channel,
                configuration: configuration)
            try await session.handshake()
            try await body(session)
            await session.close()
        }
    }
}

/// One open connection and channel 1 in confirm mode. Used by one task at a time (it owns the frame iterator).
public final class AMQPSession {
    static let maxFrame: UInt32 = 131_072
    static let channelID: UInt16 = 1

    private var frames: NIOAsyncChannelInboundStream<AMQPFrame>.AsyncIterator
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let channel: any Channel
    private let configuration: AMQPConfiguration
    private var confirms = AMQPConfirms()
    public private(set) var frameMax: UInt32 = AMQPSession.maxFrame
    public private(set) var heartbeatSeconds: UInt16 = 0

    init(
        frames: NIOAsyncChannelInboundStream<AMQPFrame>.AsyncIterator,
        writer: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        channel: any Channel, configuration: AMQPConfiguration
    ) {
        self.frames = frames
        self.writer = writer
        self.channel = channel
        self.configuration = configuration
    }

    /// Protocol header, start/start-ok (PLAIN), tune/tune-ok, open, channel 1, confirm.select.
    func handshake() async throws {
        try await writer.write(ByteBuffer(bytes: AMQPFrame.protocolHeader))
        try await expect("connection.start") { $0 == .start }
        try await send(.startOk(user: configuration.user, password: configuration.password, product: "shop-order"),
            channel: 0)
        var tune: (UInt16, UInt32, UInt16)?
        try await expect("connection.tune (a refused login closes the connection here)") {
            if case .tune(let channelMax, let frameMax, let heartbeat) = $0 { tune = (channelMax, frameMax, heartbeat) }
            return tune != nil
        }
        let (channelMax, serverFrameMax, serverHeartbeat) = tune!
        frameMax = serverFrameMax == 0 ? Self.maxFrame : min(serverFrameMax, Self.maxFrame)
        heartbeatSeconds = serverHeartbeat == 0
            ? configuration.heartbeatSeconds : min(serverHeartbeat, configuration.heartbeatSeconds)
        try await send(.tuneOk(channelMax: channelMax, frameMax: frameMax, heartbeat: heartbeatSeconds), channel: 0)
        if heartbeatSeconds > 0 {
            let seconds = Int64(heartbeatSeconds)
            try await channel.eventLoop.submit { [channel] in
                try channel.pipeline.syncOperations.addHandler(AMQPHeartbeatHandler(), position: .first)
                try channel.pipeline.syncOperations.addHandler(
                    IdleStateHandler(readTimeout: .seconds(2 * seconds), writeTimeout: .milliseconds(seconds * 500)),
                    position: .first)
            }.get()
        }
        try await send(.connectionOpen(virtualHost: configuration.virtualHost), channel: 0)
        try await expect("connection.open-ok") { $0 == .connectionOpenOk }
        try await send(.channelOpen, channel: Self.channelID)
        try await expect("channel.open-ok") { $0 == .channelOpenOk }
        try await send(.confirmSelect, channel: Self.channelID)
        try await expect("confirm.select-ok") { $0 == .confirmSelectOk }
    }

    /// Declares the durable exchange and queue and binds them; returns how many messages the queue holds.
    @discardableResult
    public func declare(_ topology: AMQPTopology) async throws -> Int {
        try await send(.exchangeDeclare(name: topology.exchange, type: topology.exchangeType, durable: true),
            channel: Self.channelID)
        try await expect("exchange.declare-ok") { $0 == .exchangeDeclareOk }
        try await send(.queueDeclare(name: topology.queue, durable: true), channel: Self.channelID)
        var messages = 0
        try await expect("queue.declare-ok") {
            guard case .queueDeclareOk(let count) = $0 else { return false }
            messages = Int(count)
            return true
        }
        try await send(.queueBind(queue: topology.queue, exchange: topology.exchange, routingKey: topology.bindingKey),
            channel: Self.channelID)
        try await expect("queue.bind-ok") { $0 == .queueBindOk }
        return messages
    }

    /// Publishes `messages` (persistent) in one write and returns once the broker confirmed every one of them:
    /// then they are on its disk. Throws `.nacked` when the broker refused one, and drops the connection when
    /// the confirms do not all come within the confirm timeout; in both cases the caller publishes the batch
    /// again (consumers deduplicate by message id).
    public func publish(_ messages: [AMQPMessage], exchange: String) async throws {
        guard !messages.isEmpty else { return }
        var buffer = channel.allocator.buffer(capacity: messages.reduce(0) { $0 + $1.body.count + 128 })
        for message in messages {
            try message.writeFrames(exchange: exchange, channel: Self.channelID, frameMax: frameMax, into: &buffer)
        }
        _ = confirms.published(messages.count)
        let timer = channel.eventLoop.scheduleTask(in: .seconds(configuration.confirmTimeoutSeconds)) {
            [channel] in channel.close(promise: nil)
        }
        defer { timer.cancel() }
        try await writer.write(buffer)
        while !confirms.settled {
            switch try await nextMethod() {
            case .ack(let tag, let multiple): confirms.ack(tag, multiple: multiple)
            case .nack(let tag, let multiple): confirms.nack(tag, multiple: multiple)
            default: continue
            }
        }
        if let refused = confirms.takeRefused().first { throw AMQPError.nacked(deliveryTag: refused) }
    }

    /// connection.close and its close-ok, best effort (at most a second).
    func close() async {
        let timer = channel.eventLoop.scheduleTask(in: .seconds(1)) { [channel] in channel.close(promise: nil) }
        defer { timer.cancel() }
        do {
            try await send(.connectionClose, channel: 0)
            try await expect("connection.close-ok") { $0 == .connectionCloseOk }
        } catch {}
    }

    private func send(_ method: AMQPOutgoing, channel number: UInt16) async throws {
        var buffer = channel.allocator.buffer(capacity: 64)
        AMQPFrame(kind: .method, channel: number, payload: try method.payload()).write(into: &buffer)
        try await writer.write(buffer)
    }

    private func expect(_ what: String, _ matches: (AMQPIncoming) -> Bool) async throws {
        while true {
            do {
                if matches(try await nextMethod()) { return }
            } catch AMQPError.connectionLost(let reason) {
                throw AMQPError.connectionLost("\(reason), waiting for \(what)")
            }
        }
    }

    /// The next method frame from the broker; heartbeats and content frames are skipped, and a close from the
    /// broker is answered and thrown.
    private func nextMethod() async throws -> AMQPIncoming {
        while true {
            let frame: AMQPFrame?
            do {
                frame = try await frames.next()
            } catch let error as AMQPError {
                throw error
            } catch {
                throw AMQPError.connectionLost("\(error)")
            }
            guard let frame else { throw AMQPError.connectionLost("the connection closed") }
            guard frame.kind == .method else { continue }
            let method = try AMQPIncoming.decode(frame.payload)
            switch method {
            case .connectionClose(let code, let text):
                try? await send(.connectionCloseOk, channel: 0)
                throw AMQPError.closedByBroker(code: code, text: text)
            case .channelClose(let code, let text):
                try? await send(.channelCloseOk, channel: frame.channel)
                throw AMQPError.closedByBroker(code: code, text: text)
            default:
                return method
            }
        }
    }
}
