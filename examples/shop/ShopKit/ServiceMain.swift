import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// What every service reads from its environment (set by berthd): its port, the gateway, its data folder.
public struct ServiceEnvironment: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// `PORT` (berthd sets it per replica); 8000 when unset.
    public func port() throws -> Int {
        guard let text = values["PORT"], !text.isEmpty else { return 8000 }
        guard let port = Int(text), (1...65535).contains(port) else {
            throw ServiceStartError("PORT must be a port number, got '\(text)'")
        }
        return port
    }

    /// The folder of the SQLite files: `SHOP_DATA_DIR`, default `data`.
    public var dataDirectory: String { values["SHOP_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data" }

    /// A client of the gateway, from `BERTH_GATEWAY_URL`.
    public func gateway(timeout: Duration = .seconds(3)) throws -> GatewayClient {
        guard let url = values["BERTH_GATEWAY_URL"], !url.isEmpty else {
            throw ServiceStartError("BERTH_GATEWAY_URL is not set (berthd sets it when the manifest has a gateway)")
        }
        guard let client = GatewayClient(url: url, timeout: timeout) else {
            throw ServiceStartError("BERTH_GATEWAY_URL must look like http://HOST:PORT, got '\(url)'")
        }
        return client
    }

    /// `SHOP_JWT_SECRET`, the HS256 key shared by the user and order services: at least 32 bytes, the size of
    /// the hash (jwt-kit refuses shorter HMAC keys); generated into the data folder when unset (`ServiceSecret`).
    public func jwtSecret() throws -> String {
        try ServiceSecret.load(variable: "SHOP_JWT_SECRET", file: "jwt-secret", environment: self)
    }

    public func require(_ name: String) throws -> String {
        guard let value = values[name], !value.isEmpty else { throw ServiceStartError("\(name) is not set") }
        return value
    }

    public func int(_ name: String, default fallback: Int) throws -> Int {
        guard let text = values[name], !text.isEmpty else { return fallback }
        guard let value = Int(text) else { throw ServiceStartError("\(name) must be an integer, got '\(text)'") }
        return value
    }

    public var replicaLabel: String {
        "\(values["BERTH_SERVICE"] ?? "service")/\(values["BERTH_REPLICA"] ?? "0")"
    }
}

/// A start-up problem: printed and the program exits with status 2.
public struct ServiceStartError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The `main` of every service: `NAME serve | migrate | seed`.
public enum ServiceMain {
    public typealias Command = @Sendable (ServiceEnvironment) async throws -> Void

    /// Runs the process's Swift tasks on NIO's event loops, `SHOP_EVENT_LOOPS` of them (default 1), instead of Swift's
    /// own thread pool; `SHOP_EVENT_LOOPS=0` keeps Swift's pool. Call it first in `main.swift`, on the main thread,
    /// before any task starts.
    ///
    /// Why: the HTTP server, the gRPC client and server and the AMQP publisher all do their I/O on NIO's event
    /// loops, and the handlers are async functions. With two thread pools every request crossed from an event loop
    /// to a cooperative thread and back several times (a wake-up and a context switch each); on one loop a
    /// request's handler, its SQLite transaction (synchronous, tens of microseconds) and its gRPC calls run where
    /// its bytes arrive. Each service runs two replicas or more: the replicas, not threads, use the cores.
    /// A value that is not a number from 0 to 64 is a start-up error (status 2), like every other setting's.
    public static func takeOverConcurrency(_ environment: ServiceEnvironment = ServiceEnvironment()) {
        let loops: Int
        do {
            loops = try environment.int("SHOP_EVENT_LOOPS", default: 1)
            guard (0...64).contains(loops) else {
                throw ServiceStartError("SHOP_EVENT_LOOPS must be from 0 to 64, got \(loops)")
            }
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(2)
        }
        guard loops > 0 else { return }
        NIOSingletons.groupLoopCountSuggestion = loops
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    public static func run(name: String, commands: [String: Command]) async -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let usage = "usage: \(name) \(commands.keys.sorted().joined(separator: " | "))"
        guard arguments.count == 1, let command = commands[arguments[0]] else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            exit(2)
        }
        do {
            try await command(ServiceEnvironment())
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(name) \(arguments[0]): \(error)\n".utf8))
            exit(error is ServiceStartError ? 2 : 1)
        }
    }

    /// Serves `router` on 127.0.0.1:PORT until SIGTERM/SIGINT, with `background` running beside it.
    public static func serve(
        _ router: Router<BasicRequestContext>, name: String, environment: ServiceEnvironment,
        background: [@Sendable () async -> Void] = []
    ) async throws {
        let port = try environment.port()
        var logger = Logger(label: name)
        logger.logLevel = .info
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: name),
            logger: logger
        )
        let tasks = background.map { work in Task { await work() } }
        defer { tasks.forEach { $0.cancel() } }
        ShopLog.line("\(name) \(environment.replicaLabel) listening on 127.0.0.1:\(port)")
        try await app.runService()
    }

    /// Runs `step` every `interval` until cancelled; errors are printed and the loop goes on.
    public static func every(_ interval: Duration, _ label: String, _ step: @Sendable () async throws -> Void) async {
        while !Task.isCancelled {
            do {
                try await step()
            } catch {
                ShopLog.line("\(label): \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// A router with the JSON error middleware and `GET /health`.
    public static func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        router.get("/health") { _, _ in try JSONBody.response(["status": "ok"]) }
        return router
    }
}

extension Date {
    /// Milliseconds since 1970: the shop's timestamps.
    public static var nowMilliseconds: Int { Int(Date().timeIntervalSince1970 * 1000) }
}

/// Unbuffered output lines, so that berth's log shows them at once (stdout is a pipe there).
public enum ShopLog {
    public static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
