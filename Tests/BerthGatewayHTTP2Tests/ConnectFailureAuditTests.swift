import NIOCore
import NIOPosix
import Testing

@testable import BerthGatewayHTTP2

/// Found by the outside audit (branch audit6): a replica that refused the gateway's connection reached clients as
/// `cannot connect to 127.0.0.1:5: Connection errors: SingleConnectionFailure(target: [IPv4]127.0.0.1/...,
/// error: connection reset (error set): Connection refused (errno: 111))`, NIO's dump of its error.
@Suite struct ConnectFailureAuditTests {
    @Test func aRefusedConnectIsSaidInWords() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // Port 1 on loopback: nothing listens there (tcpmux is not run on test machines).
        let error = await #expect(throws: (any Error).self) {
            _ = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: 1).get()
        }
        try await group.shutdownGracefully()
        let words = error.map(ConnectFailure.describe)
        #expect(words == "connection refused", "\(String(describing: words))")
    }
}
