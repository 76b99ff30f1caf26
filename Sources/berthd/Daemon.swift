import BerthAdmin
import BerthControlProtocol
import BerthControlServer
import BerthGateway
import BerthLogging
import BerthManifest
import BerthProcess
import BerthProbes
import BerthSupervisor
import Foundation
import Logging
import Metrics
import NIOPosix
import Prometheus
import ServiceLifecycle

/// Wires the daemon together: cleans up after a killed predecessor, then runs the supervisor and the control
/// server as one `ServiceGroup` that shuts down gracefully on SIGTERM/SIGINT or `berth down`.
struct Daemon {
    let manifest: Manifest
    let paths: ProjectPaths
    let logLevel: Logger.Level

    func run() async throws {
        try prepareStateDirectory()
        let writer = try makeLogWriter()
        let project = manifest.project
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var stderr = StreamLogHandler.standardError(label: label)
            stderr.logLevel = level
            var events = EventLogHandler(writer: writer, project: project)
            // Events reach the log driver whatever the stderr verbosity is.
            events.logLevel = .info
            return MultiplexLogHandler([stderr, events])
        }
        var logger = Logger(label: "berthd")
        logger[metadataKey: "project"] = "\(manifest.project)"

        if SocketProbe.answers(paths.socket) {
            throw DaemonError(description: "another berthd is already serving \(paths.socket)")
        }
        LeftoverCleaner.cleanUp(stateFile: paths.stateFile, logger: logger)
        try "\(getpid())\n".write(toFile: paths.pidFile, atomically: true, encoding: .utf8)
        defer { unlink(paths.pidFile) }

        let launcher: ProcessLauncher
        do {
            // Replicas keep the limit berthd was started with; berthd raises its own for the gateway.
            let files = OpenFileLimit.raised
            launcher = try ProcessLauncher(childOpenFileLimit: files.before < files.now ? files.before : nil)
        } catch {
            throw DaemonError(description: "cannot set up process supervision: \(error)")
        }
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

        let instanceID = UUID().uuidString.lowercased()
        let registry = PrometheusCollectorRegistry()
        let metrics = Self.metricsFactory(registry)
        MetricsSystem.bootstrap(metrics)
        let gateway = manifest.gateway.map {
            Gateway(configuration: GatewayConfiguration($0), logger: logger, metrics: metrics)
        }
        var supervisorConfiguration = Supervisor.Configuration(
            manifest: manifest,
            instanceID: instanceID,
            stateFile: paths.stateFile,
            baseEnvironment: ProcessInfo.processInfo.environment,
            buildsDirectory: paths.stateDirectory + "/builds",
            notifyDirectory: paths.notifyDirectory
        )
        supervisorConfiguration.cgroups = Self.cgroupSupport(manifest, logger: logger)
        let supervisor = Supervisor(
            configuration: supervisorConfiguration,
            processes: launcher,
            prober: Prober(eventLoopGroup: eventLoops, launcher: launcher),
            traffic: gateway,
            logWriter: writer,
            logger: logger,
            metrics: SupervisorMetrics(factory: metrics)
        )
        gateway?.reportFailures(to: supervisor, manifest: manifest)
        let events = supervisor.events
        gateway?.onEjections { service, replica in
            events.publish(
                DaemonEvent(
                    time: Date().timeIntervalSince1970, kind: .ejected, service: service, replica: replica,
                    message: "ejected by the gateway after consecutive failed requests"))
        }
        let notifier = SystemdNotifier(
            environment: ProcessInfo.processInfo.environment, supervisor: supervisor, logger: logger)
        let supervisorService = SupervisorService(supervisor: supervisor, logger: logger) { notifier.stopping() }
        let daemonControl = DaemonControl(supervisor: supervisor, service: supervisorService, gateway: gateway)
        let control = ControlServer(
            configuration: ControlServerConfiguration(
                socketPath: paths.socket,
                allowedUID: getuid(),
                maxConnections: OpenFileLimit.sideConnections,
                relaxedSocketPermissions: ProcessInfo.processInfo.environment["BERTH_TEST_RELAXED_SOCKET"] == "1"
            ),
            service: daemonControl,
            logger: logger
        )
        logger.info(
            "berthd started",
            metadata: [
                "event": "daemon_started",
                "pid": "\(getpid())", "socket": "\(paths.socket)", "manifest": "\(manifest.file)",
                "instance": "\(instanceID)", "log_driver": "\(writer.driverName)",
            ]
        )
        let files = OpenFileLimit.raised
        if files.now < OpenFileLimit.comfortable {
            let cap = manifest.gateway.map { OpenFileLimit.gatewayConnections(configured: $0.maxConnections) }
            let raisedFrom = files.before < files.now ? ", raised from \(files.before)" : ""
            let gatewayPart = cap.map { "the gateway takes at most \($0) client connections at once; " } ?? ""
            logger.warning(
                "open files limit is \(files.now) (ulimit -n\(raisedFrom)): \(gatewayPart)raise the hard limit (LimitNOFILE= under systemd, ulimit -Hn) for more",
                metadata: ["event": "low_file_limit"])
        }
        // Shut down in reverse order: the supervisor stops every replica first (draining each through the gateway),
        // then the gateway and the control server go.
        // The notifier goes first, so it is shut down last and keeps the watchdog fed while replicas stop.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: notifier, successTerminationBehavior: .ignore),
            .init(service: EventTicker(events: events, gateway: gateway)), .init(service: control),
        ]
        if let gateway { services.append(.init(service: gateway)) }
        if let admin = manifest.admin {
            let configuration = AdminConfiguration(
                host: admin.listen.host, port: admin.listen.port, token: admin.token,
                maxConnections: OpenFileLimit.sideConnections)
            let dashboard = Dashboard(
                backend: DaemonDashboard(control: daemonControl), token: admin.token, project: manifest.project)
            services.append(
                .init(
                    service: AdminServer(
                        configuration: configuration, registry: registry, dashboard: dashboard, logger: logger)))
        }
        services.append(.init(service: supervisorService, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            try? await eventLoops.shutdownGracefully()
            throw error
        }
        try? await eventLoops.shutdownGracefully()
        logger.info("berthd stopped", metadata: ["event": "daemon_stopped"])
        writer.flush()
    }

    /// The log driver of the manifest's `log.driver` (auto: journald when one listens, else files).
    private func makeLogWriter() throws -> LogWriter {
        do {
            let choice = try LogDriverChoice.resolve(manifest.log.driver.rawValue)
            return LogWriter(driver: try choice.makeDriver(logDirectory: paths.logDirectory))
        } catch let error as LogDriverChoice.Unavailable {
            throw DaemonError(description: error.description)
        } catch {
            throw DaemonError(description: "cannot set up logging: \(error)")
        }
    }

    /// Prometheus behind swift-metrics, with latency buckets from 1 ms to 10 s for the gateway's requests.
    static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["berth_gateway_request_duration_seconds"] = [
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .microseconds(2_500_000), .seconds(5), .seconds(10),
        ]
        return factory
    }

    private func prepareStateDirectory() throws {
        do {
            try FileManager.default.createDirectory(
                atPath: paths.stateDirectory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw DaemonError(description: "cannot create the state directory \(paths.stateDirectory): \(error)")
        }
    }
}
