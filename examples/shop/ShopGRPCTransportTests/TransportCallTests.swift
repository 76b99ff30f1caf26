import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import ShopGRPCTransport
import Testing

/// The shop's h2c transports over real loopback sockets: against each other, and each against grpc-swift's own
/// NIO transport (so that both speak gRPC as grpc-swift does, not only as each other).
@Suite(.timeLimit(.minutes(2))) struct TransportCallTests {
    typealias Client = GRPCClient<H2cClientTransport>

    static func withServer<R: Sendable>(
        _ service: EchoService = EchoService(), port: Int = 0, config: H2cServerTransport.Config = .init(),
        _ body: (Int) async throws -> R
    ) async throws -> R {
        let transport = H2cServerTransport(host: "127.0.0.1", port: port, config: config)
        return try await withGRPCServer(transport: transport, services: [service]) { server in
            defer { server.beginGracefulShutdown() }
            let address = try await transport.listeningAddress
            return try await body(address.port!)
        }
    }

    static func withClient<R: Sendable>(port: Int, _ body: (Client) async throws -> R) async throws -> R {
        try await withGRPCClient(transport: H2cClientTransport(host: "127.0.0.1", port: port), handleClient: body)
    }

    struct Answer: Sendable {
        var metadata: Metadata
        var message: [UInt8]
        var trailers: Metadata
    }

    static func unary<T: ClientTransport>(
        _ client: GRPCClient<T>, _ message: [UInt8], metadata: Metadata = [:], method: MethodDescriptor = Echo.unary
    ) async throws -> Answer {
        try await client.unary(
            request: ClientRequest(message: message, metadata: metadata), descriptor: method, serializer: Bytes(),
            deserializer: Bytes(), options: .defaults
        ) { response in
            Answer(metadata: response.metadata, message: try response.message, trailers: response.trailingMetadata)
        }
    }

    static func echoMetadata(_ metadata: Metadata) -> [String] {
        metadata.filter { $0.key.hasPrefix("echo-") }.map { "\($0.key)=\($0.value)" }.sorted()
    }

    @Test func aUnaryCallCarriesItsMessageAndMetadataBothWays() async throws {
        try await Self.withServer { port in
            try await Self.withClient(port: port) { client in
                let sent: Metadata = ["echo-text": "plain", "echo-data-bin": .binary([0, 1, 255, 10])]
                let answer = try await Self.unary(client, Array("hello".utf8), metadata: sent)
                #expect(answer.message == Array("hello".utf8))
                #expect(Self.echoMetadata(answer.metadata) == Self.echoMetadata(sent))
                #expect(Self.echoMetadata(answer.trailers) == Self.echoMetadata(sent))
            }
        }
    }

    @Test func aFailedCallGivesItsCodeMessageAndMetadata() async throws {
        try await Self.withServer { port in
            try await Self.withClient(port: port) { client in
                let error = await #expect(throws: RPCError.self) {
                    try await Self.unary(client, Array("fail:100% sûr\nligne".utf8), metadata: ["echo-why": "test"])
                }
                #expect(error?.code == .failedPrecondition)
                #expect(error?.message == "100% sûr\nligne")
                #expect(error?.metadata[stringValues: "echo-why"].first(where: { _ in true }) == "test")
            }
        }
    }

    @Test func anUnknownMethodIsUnimplemented() async throws {
        try await Self.withServer { port in
            try await Self.withClient(port: port) { client in
                let error = await #expect(throws: RPCError.self) {
                    try await Self.unary(
                        client, [1], method: MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Nope"))
                }
                #expect(error?.code == .unimplemented)
            }
        }
    }

    @Test func messagesLargerThanTheFlowControlWindowsGoBothWays() async throws {
        try await Self.withServer { port in
            try await Self.withClient(port: port) { client in
                var big = [UInt8](repeating: 5, count: 3 * 1024 * 1024)
                for index in stride(from: 0, to: big.count, by: 997) { big[index] = UInt8(truncatingIfNeeded: index) }
                for _ in 0..<3 {
                    let answer = try await Self.unary(client, big)
                    #expect(answer.message == big)
                }
            }
        }
    }

    @Test func aMessageAboveTheLimitIsRefusedAsResourceExhausted() async throws {
        var config = H2cServerTransport.Config()
        config.maxMessageBytes = 64 * 1024
        try await Self.withServer(config: config) { port in
            try await Self.withClient(port: port) { client in
                // Above the limit and above the flow-control windows: refused while the client still has bytes
                // of it to send.
                let big = [UInt8](repeating: 7, count: 3 * 1024 * 1024)
                let error = await #expect(throws: RPCError.self) { try await Self.unary(client, big) }
                #expect(error?.code == .resourceExhausted)
                // The connection goes on.
                let next = try await Self.unary(client, [1, 2])
                #expect(next.message == [1, 2])
            }
        }
    }

    @Test func manyCallsAtOnceBeyondTheStreamLimitAllComplete() async throws {
        try await Self.withServer { port in
            try await Self.withClient(port: port) { client in
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<600 {
                        group.addTask {
                            let message = Array("call \(index)".utf8)
                            return try await Self.unary(client, message).message == message
                        }
                    }
                    var good = 0
                    for try await ok in group where ok { good += 1 }
                    #expect(good == 600)
                }
            }
        }
    }

    @Test func streamingCallsBothWays() async throws {
        try await Self.withServer { port in
            try await Self.withClient(port: port) { client in
                let sent = (0..<50).map { Array("message \($0)".utf8) }
                let echoed = try await client.bidirectionalStreaming(
                    request: StreamingClientRequest { writer in
                        for message in sent { try await writer.write(message) }
                    },
                    descriptor: Echo.stream, serializer: Bytes(), deserializer: Bytes(), options: .defaults
                ) { response in
                    var got: [[UInt8]] = []
                    for try await message in response.messages { got.append(message) }
                    return got
                }
                #expect(echoed == sent)
                let counted = try await client.clientStreaming(
                    request: StreamingClientRequest { writer in
                        for _ in 0..<20 { try await writer.write([UInt8](repeating: 1, count: 1000)) }
                    },
                    descriptor: Echo.count, serializer: Bytes(), deserializer: Bytes(), options: .defaults
                ) { response in String(decoding: try response.message, as: UTF8.self) }
                #expect(counted == "20 20000")
            }
        }
    }

    @Test func aCallTheClientCancelsIsCancelledOnTheServer() async throws {
        let service = EchoService()
        try await Self.withServer(service) { port in
            try await Self.withClient(port: port) { client in
                let call = Task { try await Self.unary(client, [1], method: Echo.wait) }
                while service.waiting.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
                call.cancel()
                _ = await call.result
                for _ in 0..<500 where service.cancellations.load(ordering: .relaxed) == 0 {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(service.cancellations.load(ordering: .relaxed) == 1)
            }
        }
    }

    @Test func aServerThatIsGoneIsUnavailableAndTheNextConnectionWorks() async throws {
        // A port that was just free: nothing listens there at first.
        let port = try await Self.withServer { port in port }
        let transport = H2cClientTransport(host: "127.0.0.1", port: port)
        try await withGRPCClient(transport: transport) { client in
            let error = await #expect(throws: RPCError.self) { try await Self.unary(client, [1]) }
            #expect(error?.code == .unavailable)
            try await Self.withServer(port: port) { _ in
                let answer = try await Self.unary(client, [2])
                #expect(answer.message == [2])
            }
            // The server went away with the connection: the next call fails, and is not stuck.
            let again = await #expect(throws: RPCError.self) { try await Self.unary(client, [3]) }
            #expect(again?.code == .unavailable)
        }
    }

    @Test func aGracefulShutdownLetsTheCallsInFlightFinishAndThenStops() async throws {
        let service = EchoService()
        let transport = H2cServerTransport(host: "127.0.0.1", port: 0)
        try await withGRPCServer(transport: transport, services: [service]) { server in
            let port = try await transport.listeningAddress.port!
            try await Self.withClient(port: port) { client in
                let (messages, more) = AsyncStream<[UInt8]>.makeStream()
                let call = Task {
                    try await client.bidirectionalStreaming(
                        request: StreamingClientRequest { writer in
                            for await message in messages { try await writer.write(message) }
                        },
                        descriptor: Echo.stream, serializer: Bytes(), deserializer: Bytes(), options: .defaults
                    ) { response in
                        var got: [[UInt8]] = []
                        for try await message in response.messages { got.append(message) }
                        return got
                    }
                }
                more.yield([1])
                while service.streaming.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
                server.beginGracefulShutdown()
                more.yield([2])
                more.finish()
                #expect(try await call.value == [[1], [2]])
                // Stopped: a new call finds nobody listening.
                let after = await #expect(throws: RPCError.self) { try await Self.unary(client, [3]) }
                #expect(after?.code == .unavailable)
            }
        }
        // withGRPCServer returned: the transport's listen ended once the call in flight was done.
    }

    // MARK: Against grpc-swift's own NIO transport

    /// What both directions are checked for: metadata both ways, a status with a message to percent-encode, a
    /// message past the windows, an unknown method.
    static func checkInterop<T: ClientTransport>(_ client: GRPCClient<T>) async throws {
        let answer = try await unary(
            client, Array("hi".utf8), metadata: ["echo-a": "b", "echo-c-bin": .binary([0, 255])])
        #expect(answer.message == Array("hi".utf8))
        #expect(echoMetadata(answer.metadata) == echoMetadata(["echo-a": "b", "echo-c-bin": .binary([0, 255])]))
        #expect(echoMetadata(answer.trailers) == echoMetadata(answer.metadata))
        let error = await #expect(throws: RPCError.self) { try await unary(client, Array("fail:é%".utf8)) }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message == "é%")
        let big = [UInt8](repeating: 9, count: 2 * 1024 * 1024)
        let echoed = try await unary(client, big)
        #expect(echoed.message == big)
        let unknown = await #expect(throws: RPCError.self) {
            try await unary(client, [1], method: MethodDescriptor(fullyQualifiedService: "x.Y", method: "Z"))
        }
        #expect(unknown?.code == .unimplemented)
    }

    @Test func grpcSwiftsClientCallsThisServer() async throws {
        try await Self.withServer { port in
            let transport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            try await withGRPCClient(transport: transport) { client in try await Self.checkInterop(client) }
        }
    }

    @Test func thisClientCallsGRPCSwiftsServer() async throws {
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext)
        try await withGRPCServer(transport: transport, services: [EchoService()]) { server in
            defer { server.beginGracefulShutdown() }
            let port = try await transport.listeningAddress.ipv4!.port
            try await Self.withClient(port: port) { client in try await Self.checkInterop(client) }
        }
    }
}
