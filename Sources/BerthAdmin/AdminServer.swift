import BerthListening
public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import Prometheus
public import ServiceLifecycle

/// `berthd`'s admin listener: `/metrics` in Prometheus text format, `/healthz`, and the dashboard at `/`, over
/// plain HTTP/1.1. Every request but the probes (on loopback) and `/login` needs a credential (see `AdminAccess`);
/// idle connections are closed, each peer address holds at most `maxConnectionsPerPeer`, and a full listener makes
/// room by closing the connection that waited longest for a request (see `OpenConnections`).
///
/// A `Service` of the daemon's group, so it binds at start and closes on graceful shutdown. Scrapes are rare and
/// small: NIO's HTTP codec is plenty here (the gateway's data path is the one that forwards raw bytes).
public final class AdminServer: Service {
    private let configuration: AdminConfiguration
    private let router: AdminRouter
    private let dashboard: Dashboard?
    private let sessions: AdminSessions
    private let logger: Logger
    private let group: any EventLoopGroup

    /// With a `dashboard`, the listener also serves it at `/` (see `DashboardRouter`). `sessions` are shared with
    /// the control API, which hands out the login codes.
    public init(
        configuration: AdminConfiguration, registry: PrometheusCollectorRegistry, dashboard: Dashboard? = nil,
        sessions: AdminSessions = AdminSessions(), logger: Logger, eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.configuration = configuration
        self.dashboard = dashboard
        self.sessions = sessions
        self.router = AdminRouter { MetricsHelp.annotate(registry.emitToBuffer()) }
        self.logger = logger
        self.group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
    }

    public func run() async throws {
        let router = self.router
        let dashboard = self.dashboard
        let logger = self.logger
        let sessions = self.sessions
        let configuration = self.configuration
        let access = AdminAccess(
            token: configuration.token, loopback: AdminConfiguration.isLoopback(configuration.host),
            openProbes: configuration.openProbes)
        let open = OpenConnections(
            limit: configuration.maxConnections, perPeerLimit: configuration.maxConnectionsPerPeer)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            AcceptPauseHandler(listener: "admin listener", logger: logger)
                        )
                    }
                }
                .childChannelInitializer { channel in
                    guard open.admit(channel) else { return channel.close() }
                    // The port this connection reached (the configured one may be 0 in tests).
                    let port = channel.localAddress?.port ?? configuration.port
                    return channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                        try pipeline.addHandler(
                            AdminDeadlineHandler(
                                headTimeout: configuration.headTimeout, idleTimeout: configuration.idleTimeout,
                                connections: open))
                        try pipeline.addHandler(
                            AdminHTTPHandler(
                                router: router, dashboard: dashboard, access: access, sessions: sessions,
                                listenerPort: port))
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            throw AdminServerError(
                description: "cannot listen on \(configuration.host):\(configuration.port) for admin: \(error)")
        }
        logger.info(
            "admin listening",
            metadata: [
                "address": "\(configuration.host):\(configuration.port)",
                "open_probes": "\(configuration.openProbes)",
            ]
        )
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                try? await channel.closeFuture.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// Why the admin listener could not start.
public struct AdminServerError: Error, CustomStringConvertible {
    public var description: String
}
