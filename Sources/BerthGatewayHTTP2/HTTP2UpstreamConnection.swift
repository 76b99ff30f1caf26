import BerthGatewayCore
import NIOCore
import NIOHTTP2
import NIOPosix

/// One multiplexed HTTP/2 connection to a replica, driven frame by frame (`UpstreamFrameHandler`): streams asked
/// for while it connects wait for it; after a GOAWAY from the replica it takes no new stream, and its open streams
/// finish.
final class HTTP2UpstreamConnection {
    enum State {
        /// Streams asked for while the connection is made.
        case connecting([HTTP2UpstreamStream])
        case ready(any Channel, any UpstreamFrames)
        case closed
    }

    let key: HTTP2UpstreamPool.Key
    unowned let pool: HTTP2UpstreamPool
    let settings: HTTP2GatewaySettings
    private var state: State = .connecting([])
    /// Streams open or being opened.
    private(set) var load = 0
    /// The replica sent GOAWAY: no new stream here.
    var goingAway = false

    init(key: HTTP2UpstreamPool.Key, pool: HTTP2UpstreamPool, settings: HTTP2GatewaySettings) {
        self.key = key
        self.pool = pool
        self.settings = settings
    }

    var isUnusable: Bool {
        if goingAway { return true }
        switch state {
        case .closed: return true
        case .ready(_, let frames): return frames.isExhausted
        case .connecting: return false
        }
    }

    func connect() {
        if let channel = pool.replicaChannel(key.port) { return connect(through: channel) }
        let bound = NIOLoopBound(self, eventLoop: pool.eventLoop)
        ClientBootstrap(group: pool.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try bound.value.addHandlers(to: channel) }
            }
            .connect(host: "127.0.0.1", port: key.port)
            .whenComplete { result in
                let connection = bound.value
                switch result {
                case .success:
                    // Ready once the frame handler sees the channel active: the connect promise completes before
                    // NIO's handler has written the connection preface, and a HEADERS frame before it is refused.
                    break
                case .failure(let error):
                    connection.failed(
                        "cannot connect to 127.0.0.1:\(connection.key.port): \(ConnectFailure.describe(error))")
                }
            }
    }

    /// The replica leg's codec and frame handler, on a new channel to the replica. The handler holds this connection;
    /// this connection holds the handler only while ready (`state`): a second reference kept here after the close made
    /// a cycle that leaked every closed replica connection with its handler and buffers (found by the http2 fuzz
    /// target's replica mode, under LeakSanitizer).
    private func addHandlers(to channel: any Channel) throws {
        let sync = channel.pipeline.syncOperations
        if settings.replicaCodec {
            // The gateway's own codec: bytes in and out, no NIOHTTP2Handler (`ReplicaCodecHandler`).
            let frames = ReplicaCodecHandler(connection: self, eventLoop: channel.eventLoop, settings: settings)
            try sync.addHandler(frames)
            return
        }
        // No stream multiplexer: frames go to `UpstreamFrameHandler`, and a stream the replica opens (a push;
        // disabled in SETTINGS) finds no call and is ignored.
        try sync.addHandler(
            NIOHTTP2Handler(
                mode: .client,
                connectionConfiguration: settings.connectionConfiguration(server: false),
                streamConfiguration: settings.streamConfiguration()))
        let frames = UpstreamFrameHandler(connection: self, eventLoop: channel.eventLoop, settings: settings)
        try sync.addHandler(frames)
    }

    /// The same connection over a channel the backend made (`HTTP2Backend.replicaChannel`: the fuzz target's).
    private func connect(through channel: any Channel) {
        do {
            try addHandlers(to: channel)
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: key.port)
            let bound = NIOLoopBound(self, eventLoop: pool.eventLoop)
            channel.connect(to: address).whenFailure { error in
                bound.value.failed("cannot connect to 127.0.0.1:\(bound.value.key.port): \(error)")
            }
        } catch {
            failed("cannot set up the connection to 127.0.0.1:\(key.port): \(error)")
        }
    }

    /// The connection preface is written: streams may open.
    func connected(_ channel: any Channel, _ frames: any UpstreamFrames) {
        guard case .connecting(let waiting) = state else {
            channel.close(promise: nil)
            return
        }
        state = .ready(channel, frames)
        load -= waiting.count
        for stream in waiting { openStream(stream) }
    }

    private func failed(_ detail: String) {
        guard case .connecting(let waiting) = state else { return }
        state = .closed
        pool.connectionClosed(self)
        for stream in waiting {
            stream.openFailed(.init(detail: detail, neverSent: true))
        }
        load = 0
    }

    /// Gives `stream` a place on this connection (it tells its call); its id is taken when it writes its HEADERS.
    func openStream(_ stream: HTTP2UpstreamStream) {
        switch state {
        case .connecting(var waiting):
            waiting.append(stream)
            state = .connecting(waiting)
            load += 1
        case .closed:
            stream.openFailed(.init(detail: "the connection to the replica closed", neverSent: true))
        case .ready(_, let frames):
            load += 1
            stream.frames = frames
            stream.connection = self
            stream.opened()
        }
    }

    /// A stream of this connection ended (its handler calls this once).
    func streamClosed() {
        load = max(0, load - 1)
        if load == 0, goingAway || isExhausted { close() }
    }

    /// Whether the open connection has used up its stream ids.
    private var isExhausted: Bool {
        guard case .ready(_, let frames) = state else { return false }
        return frames.isExhausted
    }

    func receivedGoAway() {
        goingAway = true
        if load == 0 { close() }
    }

    func close() {
        switch state {
        case .ready(let channel, _):
            state = .closed
            channel.close(promise: nil)
        case .connecting, .closed:
            break
        }
        pool.connectionClosed(self)
    }

    func channelClosed() {
        if case .connecting = state {
            failed("the connection to the replica closed while connecting")
            return
        }
        state = .closed
        pool.connectionClosed(self)
    }
}
