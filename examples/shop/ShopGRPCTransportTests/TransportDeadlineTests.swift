import Foundation
import GRPCCore
import ShopGRPCTransport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Deadlines kept by the transports, each with one timer on the connection's event loop: the client's from its
/// task's `CallDeadline`, the server's from the request's `grpc-timeout` (taken out of the metadata, so that
/// grpc-swift does not keep it too with a `Task.sleep`).
@Suite(.timeLimit(.minutes(2))) struct TransportDeadlineTests {
    typealias Calls = TransportCallTests

    @Test func aCallStillOpenAtItsDeadlineFailsWithDeadlineExceededAndItsHandlerIsCancelled() async throws {
        let service = EchoService()
        try await Calls.withServer(service) { port in
            try await Calls.withClient(port: port) { client in
                let started = ContinuousClock.now
                // No grpc-timeout is sent: only the client's timer can end the call.
                let call = Task {
                    try await CallDeadline.$current.withValue(.now + .seconds(1)) {
                        try await Calls.unary(client, [1], method: Echo.wait)
                    }
                }
                // The handler has started (a stream reset before grpc-swift reads the request never runs it).
                while service.waiting.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
                let error = await #expect(throws: RPCError.self) { try await call.value }
                #expect(error?.code == .deadlineExceeded)
                #expect(started.duration(to: .now) < .seconds(4))
                // The stream was reset: the server's handler is cancelled.
                for _ in 0..<500 where service.cancellations.load(ordering: .relaxed) == 0 {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(service.cancellations.load(ordering: .relaxed) == 1)
                // The connection is still good for the next call.
                #expect(try await Calls.unary(client, [2]).message == [2])
            }
        }
    }

    @Test func aCallWithinItsDeadlineIsAnswered() async throws {
        try await Calls.withServer { port in
            try await Calls.withClient(port: port) { client in
                let answer = try await CallDeadline.$current.withValue(.now + .seconds(60)) {
                    try await Calls.unary(client, [3])
                }
                #expect(answer.message == [3])
            }
        }
    }

    @Test func aDeadlineAlreadyPassedFailsWithoutACall() async throws {
        let service = EchoService()
        try await Calls.withServer(service) { port in
            try await Calls.withClient(port: port) { client in
                let error = await #expect(throws: RPCError.self) {
                    try await CallDeadline.$current.withValue(.now - .milliseconds(1)) {
                        try await Calls.unary(client, [1], method: Echo.wait)
                    }
                }
                #expect(error?.code == .deadlineExceeded)
                try await Task.sleep(for: .milliseconds(100))
                #expect(service.waiting.load(ordering: .relaxed) == 0)
            }
        }
    }

    @Test func theWaitForAConnectionEndsAtTheDeadline() async throws {
        // A listener whose accept queue is full: the kernel drops the transport's SYN, so its connection attempt
        // hangs (until its own 5 s timeout) and only the deadline can end the call.
        let listener = try FullListener()
        defer { listener.close() }
        try await withGRPCClient(transport: H2cClientTransport(host: "127.0.0.1", port: listener.port)) { client in
            let started = ContinuousClock.now
            let error = await #expect(throws: RPCError.self) {
                try await CallDeadline.$current.withValue(.now + .milliseconds(300)) {
                    try await Calls.unary(client, [1])
                }
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(started.duration(to: .now) < .seconds(3))
        }
    }

    @Test func theServerCancelsAHandlerWhenTheRequestsTimeoutPasses() async throws {
        let service = EchoService()
        try await Calls.withServer(service) { port in
            try await Calls.withClient(port: port) { client in
                // Sent as metadata, with no deadline on the client: only the server's timer can end the call.
                let error = await #expect(throws: RPCError.self) {
                    try await Calls.unary(client, [1], metadata: ["grpc-timeout": "100m"], method: Echo.wait)
                }
                #expect(error?.code == .cancelled)
                #expect(service.cancellations.load(ordering: .relaxed) == 1)
            }
        }
    }

    @Test func theServerTakesAValidTimeoutOutOfTheMetadataAndLeavesAnyOtherValue() async throws {
        try await Calls.withServer { port in
            try await Calls.withClient(port: port) { client in
                let valid = try await Calls.unary(
                    client, [1], metadata: ["grpc-timeout": "600S", "echo-a": "1"], method: Echo.metadata)
                let seen = String(decoding: valid.message, as: UTF8.self)
                #expect(seen.contains("echo-a=1"))
                #expect(!seen.contains("grpc-timeout"))
                // Not a timeout: left for grpc-swift, which ignores it; the call is not cut.
                let invalid = try await Calls.unary(
                    client, [1], metadata: ["grpc-timeout": "soon"], method: Echo.metadata)
                #expect(String(decoding: invalid.message, as: UTF8.self).contains("grpc-timeout=soon"))
            }
        }
    }
}

/// A loopback listener (backlog 0) with one connection made and never accepted: its queue is full.
struct FullListener {
    let port: Int
    private let listening: Int32
    private let filler: Int32

    init() throws {
        func socketOrThrow() throws -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            return fd
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = try socketOrThrow()
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(listening, socketAddress, length) == 0 && listen(listening, 0) == 0
                    && getsockname(listening, socketAddress, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        let filler = try socketOrThrow()
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) == 0 }
        }
        guard connected else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        self.listening = listening
        self.filler = filler
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        _ = Glibc.close(filler)
        _ = Glibc.close(listening)
    }
}
