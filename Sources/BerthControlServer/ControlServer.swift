import BerthControlProtocol
import BerthListening
public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle

/// The daemon's control API: HTTP/1.1 + JSON on a Unix domain socket that only the daemon's user (and root) may
/// use. It is a `Service` so that the daemon's `ServiceGroup` starts it and shuts it down gracefully.
public final class ControlServer: Service {
    private let configuration: ControlServerConfiguration
    private let dispatcher: ControlDispatcher
    private let logger: Logger
    private let group: any EventLoopGroup
    private let connections = ConnectionRegistry()

    /// `eventLoopGroup`: the daemon's one group (nil: NIO's shared one).
    public init(
        configuration: ControlServerConfiguration, service: any ControlService, logger: Logger,
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.configuration = configuration
        self.dispatcher = ControlDispatcher(service: service)
        self.logger = logger
        self.group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
    }

    /// Binds, serves until graceful shutdown (or cancellation), then removes the socket file.
    ///
    /// Throws `ControlServerError` when the socket's directory belongs to someone else or another daemon already
    /// serves the socket.
    public func run() async throws {
        let file = SocketFile(
            path: configuration.socketPath,
            relaxedPermissions: configuration.relaxedSocketPermissions
        )
        let createdDirectory = try file.prepare()
        let channel = try await makeBootstrap()
            .bind(unixDomainSocketPath: file.bindPath, cleanupExistingSocketFile: false).get()
        let inode: ino_t
        do {
            inode = try file.publish()
        } catch {
            try? await channel.close()
            throw error
        }
        logger.info("control API listening", metadata: ["socket": "\(configuration.socketPath)"])
        defer {
            file.remove(inode: inode, directoryToo: createdDirectory)
            connections.closeAll()
            logger.info("control API stopped", metadata: ["socket": "\(configuration.socketPath)"])
        }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await channel.closeFuture.get()
            } onGracefulShutdown: {
                channel.close(promise: nil)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    private func makeBootstrap() -> ServerBootstrap {
        let configuration = self.configuration
        let dispatcher = self.dispatcher
        let logger = self.logger
        let connections = self.connections
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptPauseHandler(listener: "control API", logger: logger)
                    )
                }
            }
            .childChannelInitializer { channel in
                // Bounded, so that clients (a script looping on `berth logs -f`) never take the daemon's last
                // descriptors; more are closed at once.
                guard connections.add(channel, limit: configuration.maxConnections) else {
                    return channel.close()
                }
                return PeerCredentials.of(channel).flatMapThrowing { peer in
                    let authorized = peer.isAllowed(allowedUID: configuration.allowedUID)
                    if !authorized {
                        logger.warning(
                            "control connection from a user who may not use this daemon",
                            metadata: ["uid": "\(peer.uid)", "pid": "\(peer.pid)"]
                        )
                    }
                    let operations = channel.pipeline.syncOperations
                    try Self.configureHTTP(operations, maxHeadBytes: configuration.maxHeadBytes)
                    try operations.addHandler(
                        ControlHTTPHandler(
                            dispatcher: dispatcher,
                            maxBodyBytes: configuration.maxBodyBytes,
                            peer: peer,
                            authorized: authorized,
                            logger: logger
                        )
                    )
                }
            }
    }

    /// The HTTP decoder and encoder of a control connection (also used by `ControlRequestDecoder`).
    static func configureHTTP(_ operations: ChannelPipeline.SynchronousOperations, maxHeadBytes: Int) throws {
        try operations.configureHTTPServerPipeline(
            withPipeliningAssistance: false,
            withErrorHandling: false,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: decoderLimits(maxHeadBytes: maxHeadBytes)
        )
    }

    private static func decoderLimits(maxHeadBytes: Int) -> NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = maxHeadBytes
        limits.maxHeaderListSize = maxHeadBytes
        limits.maxHeaderFieldCount = 100
        return limits
    }
}
