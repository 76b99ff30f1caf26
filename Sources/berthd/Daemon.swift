import BerthAdmin
import BerthControlProtocol
import BerthControlServer
import BerthGateway
import BerthLogging
import BerthManifest
import BerthProbes
import BerthProcess
import BerthSupervisor
import Glibc
import Logging
import Metrics
import NIOPosix
import Prometheus
import ServiceLifecycle

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Wires the daemon together: cleans up after a killed predecessor, then runs the supervisor and the control
/// server as one `ServiceGroup` that shuts down gracefully on SIGTERM/SIGINT or `berth down`.
struct Daemon {
    let manifest: Manifest
    let paths: ProjectPaths
    let logLevel: Logger.Level
    /// The services `berth up` asked for (`--service`); nil: every service.
    var only: Set<String>? = nil
    /// `berth up --watch` (`berthd --watch`): watch every service that declares `watch:`.
    var watch = false
    /// How `berth reload` reads the edited manifest (`berth resolve`, see `ManifestResolver`).
    var resolver: ManifestResolver

    func run() async throws {
        try prepareStateDirectory()
        // Held until the process exits: the descriptor is never closed.
        _ = try DaemonLock.take(
            path: paths.stateDirectory + "/berthd.lock", socket: paths.socket, pidFile: paths.pidFile)
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
        do {
            try LeftoverCleaner.cleanUp(stateFile: paths.stateFile, logger: logger)
        } catch {
            throw DaemonError(description: error.description)
        }
        try StateDirectory.writePIDFile(paths.pidFile)
        defer { unlink(paths.pidFile) }

        let launcher: ProcessLauncher
        do {
            // Replicas keep the limit berthd was started with; berthd raises its own for the gateway.
            let files = OpenFileLimit.raised
            launcher = try ProcessLauncher(childOpenFileLimit: files.before < files.now ? files.before : nil)
        } catch {
            throw DaemonError(description: "cannot set up process supervision: \(error)")
        }
        // The daemon's one event-loop group (docs/architecture.md, "Concurrency"): the gateway's data path, the
        // control API, the admin listener and gRPC probes share its one thread.
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

        let instanceID = UUID().uuidString.lowercased()
        let registry = PrometheusCollectorRegistry()
        let metrics = Self.metricsFactory(registry)
        MetricsSystem.bootstrap(metrics)
        let gateway = manifest.gateway.map {
            Gateway(
                configuration: GatewayConfiguration($0), logger: logger, metrics: metrics,
                accessLog: AccessLogFileSink(
                    file: AccessLogFile(path: paths.stateDirectory + "/access.log") { [logger] message in
                        logger.warning("\(message)", metadata: ["event": "access_log"])
                    }),
                eventLoopGroup: eventLoops)
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
        supervisorConfiguration.scheduleDirectory = paths.stateDirectory + "/schedule"
        supervisorConfiguration.watchRequested = watch
        supervisorConfiguration.manifestResolver = resolver
        let supervisor = Supervisor(
            configuration: supervisorConfiguration,
            processes: launcher,
            prober: Prober(eventLoopGroup: eventLoops, launcher: launcher),
            traffic: gateway,
            logWriter: writer,
            logger: logger,
            metrics: SupervisorMetrics(factory: metrics)
        )
        gateway?.reportFailures(to: supervisor)
        let events = supervisor.events
        gateway?.onEjections { service, replica in
            events.publish(
                DaemonEvent(
                    time: Date().timeIntervalSince1970, kind: .ejected, service: service, replica: replica,
                    message: "ejected by the gateway after consecutive failed requests"))
        }
        gateway?.onCertificateReloads { outcome in
            events.publish(DaemonEvent(time: Date().timeIntervalSince1970, kind: .certificate, message: "\(outcome)"))
        }
        let notifier = SystemdNotifier(
            environment: ProcessInfo.processInfo.environment, supervisor: supervisor, logger: logger)
        let supervisorService = SupervisorService(
            supervisor: supervisor, logger: logger, only: only, onStopping: { notifier.stopping() },
            // Spawning every replica ran code the idle daemon does not run again: drop it once more.
            onSettled: { ExecutablePages.keepOnlyWhatIsUsed() })
        var daemonControl = DaemonControl(supervisor: supervisor, service: supervisorService, gateway: gateway)
        let adminToken = try manifest.admin.map { try self.adminToken($0, logger: logger) }
        let sessions = AdminSessions()
        if let admin = manifest.admin {
            daemonControl.admin = DaemonAdmin(listen: admin.listen, sessions: sessions)
        }
        let control = ControlServer(
            configuration: ControlServerConfiguration(
                socketPath: paths.socket,
                allowedUID: getuid(),
                maxConnections: OpenFileLimit.sideConnections,
                relaxedSocketPermissions: ProcessInfo.processInfo.environment["BERTH_TEST_RELAXED_SOCKET"] == "1"
            ),
            service: daemonControl,
            logger: logger,
            eventLoopGroup: eventLoops
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
        // A daemon whose socket or state directory is gone cannot be reached any more: it stops its project.
        services.append(
            .init(
                service: OrphanWatch(
                    socketPath: paths.socket, stateDirectory: paths.stateDirectory, logger: logger,
                    interval: OrphanWatch.interval(ProcessInfo.processInfo.environment)),
                successTerminationBehavior: .gracefullyShutdownGroup))
        if let gateway, manifest.gateway?.tls.isEmpty == false {
            let watcher = CertificateWatcher(
                gateway: gateway, interval: CertificateWatcher.interval(ProcessInfo.processInfo.environment))
            services.append(.init(service: watcher, successTerminationBehavior: .ignore))
        }
        if let admin = manifest.admin, let adminToken {
            let configuration = AdminConfiguration(
                host: admin.listen.host, port: admin.listen.port, token: adminToken,
                // Prometheus scrapes without a credential on loopback; a token from the manifest guards them too.
                openProbes: admin.token == nil && AdminSpec.isLoopback(admin.listen.host),
                maxConnections: OpenFileLimit.sideConnections)
            let dashboard = Dashboard(backend: DaemonDashboard(control: daemonControl), project: manifest.project)
            services.append(
                .init(
                    service: AdminServer(
                        configuration: configuration, registry: registry, dashboard: dashboard, sessions: sessions,
                        logger: logger, eventLoopGroup: eventLoops)))
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

    /// The manifest's `admin.token`, or the one berthd generated and keeps in the state directory.
    private func adminToken(_ admin: AdminSpec, logger: Logger) throws -> String {
        if let token = admin.token { return token }
        let path = paths.stateDirectory + "/" + AdminTokenFile.fileName
        do {
            let (token, outcome) = try AdminTokenFile.loadOrCreate(path: path)
            switch outcome {
            case .reused: break
            case .created: logger.info("generated the admin token", metadata: ["file": "\(path)"])
            case .replaced(let reason):
                logger.warning("replaced the admin token file: \(reason)", metadata: ["file": "\(path)"])
            }
            return token
        } catch {
            throw DaemonError(description: "admin token: \(error.description)")
        }
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
            try StateDirectory.prepare(paths.stateDirectory)
        } catch {
            throw DaemonError(description: error.description)
        }
    }
}
