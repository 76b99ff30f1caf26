import Foundation
import NIOCore
import NIOPosix
import ShopAMQP
import Testing

/// Against the real broker: Debian's rabbitmq-server started by `TestBroker` on free loopback ports (or the one
/// at SHOP_TEST_AMQP_URL). Skipped when neither is there.
@Suite(.serialized, .enabled(if: TestBroker.available, "needs rabbitmq-server (apt-get install rabbitmq-server)"))
struct AMQPBrokerTests {
    /// One broker for every check (it takes a while to boot): confirmed messages are kept, large ones included;
    /// a wrong password is an error, as is a port with no broker.
    @Test func confirmedMessagesAreKeptAndBadConnectionsAreErrors() async throws {
        try await TestBroker.with { url in
            let connector = AMQPConnector(configuration: try AMQPConfiguration(url: url))
            let queue = "test-\(UInt32.random(in: 0...UInt32.max))"
            let topology = AMQPTopology(exchange: "test.events", queue: queue, bindingKey: "order.*")
            let large = [UInt8](repeating: 0x7A, count: 300_000)  // several body frames
            try await connector.withSession { session in
                let before = try await session.declare(topology)
                #expect(before == 0)
                var messages = (1...50).map {
                    AMQPMessage(routingKey: "order.confirmed", messageID: "m\($0)", body: Array("{\"n\":\($0)}".utf8))
                }
                messages.append(AMQPMessage(routingKey: "order.cancelled", messageID: "big", body: large))
                try await session.publish(messages, exchange: topology.exchange)
                try await session.publish([AMQPMessage(routingKey: "other.thing", messageID: "x", body: [])],
                    exchange: topology.exchange)  // confirmed, but routed nowhere
            }
            try await connector.withSession { session in
                let kept = try await session.declare(topology)
                #expect(kept == 51, "every confirmed message is kept")
            }
            var configuration = try AMQPConfiguration(url: url)
            configuration.password = "wrong"
            await #expect(throws: AMQPError.self) {
                try await AMQPConnector(configuration: configuration).withSession { _ in }
            }
        }
        let closed = try AMQPConfiguration(url: "amqp://127.0.0.1:\(TestBroker.freePort())")
        await #expect(throws: (any Error).self) {
            try await AMQPConnector(configuration: closed).withSession { _ in }
        }
    }
}

/// A throwaway broker: the shop's own rabbitmq/run.sh with an epmd of its own, in a temporary folder, stopped by
/// pid when the test ends.
enum TestBroker {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("rabbitmq/run.sh").path
    static var available: Bool {
        ProcessInfo.processInfo.environment["SHOP_TEST_AMQP_URL"] != nil
            || FileManager.default.isExecutableFile(atPath: "/usr/lib/rabbitmq/bin/rabbitmq-server")
    }

    static func with(_ body: (String) async throws -> Void) async throws {
        if let url = ProcessInfo.processInfo.environment["SHOP_TEST_AMQP_URL"] {
            try await body(url)
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shop-amqp-\(getpid())-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let amqpPort = freePort(below: 45_000)
        let epmdPort = freePort()
        let epmd = try start("/usr/bin/epmd", ["-port", "\(epmdPort)", "-address", "127.0.0.1"], [:], folder, "epmd")
        var broker: Process?
        var failure: (any Error)?
        do {
            broker = try start(script, [], ["PORT": "\(amqpPort)", "SHOP_EPMD_PORT": "\(epmdPort)",
                "SHOP_DATA_DIR": folder.path, "SHOP_AMQP_NODE": "test\(amqpPort)@localhost"], folder, "broker")
            try await waitForPort(amqpPort, process: broker!, seconds: 180)
            try await body("amqp://guest:guest@127.0.0.1:\(amqpPort)")
        } catch {
            failure = error
        }
        if let broker { await stop(broker) }
        await stop(epmd)
        if let failure { throw failure }
    }

    static func start(_ path: String, _ arguments: [String], _ environment: [String: String], _ folder: URL,
        _ name: String) throws -> Process
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = folder.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
        return process
    }

    /// SIGTERM (the broker's start script stops it cleanly), then SIGKILL after 30 s.
    static func stop(_ process: Process) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    static func waitForPort(_ port: Int, process: Process, seconds: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw AMQPError.connectionLost("the test broker exited") }
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            {
                try? await channel.close()
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw AMQPError.connectionLost("the test broker did not listen on \(port) within \(seconds) s")
    }

    /// A port free now (bound to 0 and released); `below` keeps port + 20000 (the broker's distribution port) valid.
    static func freePort(below limit: Int = 65_536) -> Int {
        while true {
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
            }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
            }
            let port = Int(UInt16(bigEndian: address.sin_port))
            if port < limit { return port }
        }
    }
}
