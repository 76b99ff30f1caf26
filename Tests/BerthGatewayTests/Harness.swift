import BerthGateway
import BerthGatewayCore
import BerthProcess
import BerthTestSupport
import Foundation
import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Real `berth-fixture` upstreams, spawned through Berth's own launcher (the test process's one reaper: other
/// suites in this process reap every child, so Foundation `Process` cannot be used) and killed by pid.
final class Fixtures: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var pids: [Int32] = []
    private(set) var ports: [Int] = []

    static let launcher = Result { try ProcessLauncher() }

    static var binary: String {
        if let dir = ProcessInfo.processInfo.environment["BERTH_BIN_DIR"] { return dir + "/berth-fixture" }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("berth-fixture").path
    }

    /// Starts `count` fixtures on free ports and waits until each accepts.
    func start(_ count: Int, arguments: [String] = []) throws -> [Int] {
        let launcher = try Self.launcher.get()
        var started: [Int] = []
        for index in 0..<count {
            let port = freePort()
            let request = SpawnRequest(
                arguments: [Self.binary, "--port", "\(port)"] + arguments,
                environment: ["BERTH_REPLICA": "\(ports.count + index)", "PATH": "/usr/bin:/bin"],
                workingDirectory: "/tmp",
                captureOutput: false
            )
            let pid = try launcher.spawn(request, onOutput: { _ in }, onExit: { _ in })
            lock.lock()
            pids.append(pid)
            ports.append(port)
            lock.unlock()
            started.append(port)
        }
        for port in started where !waitForListener(port) {
            throw TestHTTPConnection.Failure(description: "fixture on \(port) did not start")
        }
        return started
    }

    func pid(port: Int) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        return ports.firstIndex(of: port).map { pids[$0] }
    }

    func kill(port: Int, signal: Int32 = SIGKILL) {
        guard let pid = pid(port: port) else { return }
        Glibc.kill(pid, signal)
        waitGone(pid)
    }

    func stopAll() {
        lock.lock()
        let all = pids
        lock.unlock()
        for pid in all {
            Glibc.kill(pid, SIGKILL)
            waitGone(pid)
        }
    }

    /// Waits (bounded) until the process is gone or a zombie about to be reaped.
    private func waitGone(_ pid: Int32) {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return }
            if stat.contains(") Z") { return }
            usleep(5_000)
        }
    }

    deinit {
        stopAll()
    }
}

/// A gateway running in this process on a free port, stopped by cancelling its task.
final class RunningGateway {
    let gateway: Gateway
    let port: Int
    private let task: Task<Void, any Error>

    init(
        routes: [RouteTable.Route], tls: GatewayConfiguration.TLS? = nil, log: CapturedLog? = nil,
        configure: (inout GatewayConfiguration) -> Void = { _ in }
    ) async throws {
        var logger =
            log.map { log in Logger(label: "gateway-test") { _ in CapturingLogHandler(log: log) } }
            ?? Logger(label: "gateway-test")
        logger.logLevel = log == nil ? .warning : .info
        // Tests run in parallel in this process, each on a random free port: another test's gateway may take the
        // same one between the choice and the bind. Then this gateway's `run()` fails at once while the port
        // answers (the other gateway), and requests went there: a 504 from its short timeouts in CI. A gateway
        // whose run has ended is started again on another port.
        for attempt in 1...5 {
            let port = freePort()
            var configuration = GatewayConfiguration(
                listen: [.init(host: "127.0.0.1", port: port, tls: tls)], routes: routes)
            configuration.accessLog = false
            configure(&configuration)
            let gateway = Gateway(configuration: configuration, logger: logger, accessLog: log)
            let ended = Atomic<Bool>(false)
            let task = Task {
                defer { ended.store(true, ordering: .relaxed) }
                try await gateway.run()
            }
            // Poll without blocking a thread of the cooperative pool: the gateway's own task needs one to start.
            let deadline = ContinuousClock.now + .seconds(10)
            while (try? TestHTTPConnection(port: port, timeoutSeconds: 1)) == nil, !ended.load(ordering: .relaxed) {
                guard ContinuousClock.now < deadline else {
                    throw TestHTTPConnection.Failure(description: "gateway did not listen")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            // A failed bind ends `run()` at once; the port may have answered for another test's gateway before.
            try await Task.sleep(for: .milliseconds(50))
            if ended.load(ordering: .relaxed), attempt < 5 { continue }
            self.port = port
            self.gateway = gateway
            self.task = task
            return
        }
        throw TestHTTPConnection.Failure(description: "gateway did not listen")
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Registers fixtures as ready replicas 0, 1, ... of `service`.
    func ready(_ service: String, ports: [Int], firstIndex: Int = 0) async {
        for (offset, port) in ports.enumerated() {
            gateway.replicaReady(service: service, replica: firstIndex + offset, port: port, generation: 1)
        }
        try? await Task.sleep(for: .milliseconds(20))  // replicaReady hops onto the gateway's event loop.
    }
}

func route(_ path: String, _ service: String, strip: Bool = false) -> RouteTable.Route {
    RouteTable.Route(path: path, host: nil, service: service, stripPrefix: strip, timeout: nil, retries: nil)
}

/// Log records kept in memory, so that tests can read the gateway's access log and warnings.
final class CapturedLog: AccessLogSink, Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])

    func append(_ record: Record) {
        records.withLock { $0.append(record) }
    }

    var all: [Record] { records.withLock { $0 } }

    /// Access-log lines (`key=value ...`) become records with the message `request`.
    func write(_ lines: ByteBuffer) {
        for line in String(buffer: lines).split(separator: "\n") {
            var fields: [String: String] = [:]
            for field in line.split(separator: " ") {
                guard let equals = field.firstIndex(of: "=") else { continue }
                fields[String(field[..<equals])] = String(field[field.index(after: equals)...])
            }
            append(Record(level: .info, message: "request", metadata: fields))
        }
    }

    /// The access-log lines (message `request`).
    var requests: [[String: String]] { all.filter { $0.message == "request" }.map(\.metadata) }

    /// Waits (bounded) until `count` access-log lines were written.
    func waitForRequests(_ count: Int) async -> [[String: String]] {
        let deadline = ContinuousClock.now + .seconds(5)
        while requests.count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return requests
    }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        log.append(
            .init(
                level: event.level, message: "\(event.message)",
                metadata: (event.metadata ?? [:]).mapValues { "\($0)" }))
    }
}
