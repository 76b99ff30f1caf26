import BerthGateway
import BerthTestSupport
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// HTTPS listeners: the gateway terminates TLS and forwards plain HTTP to the replicas.
@Suite(.serialized, .timeLimit(.minutes(1))) struct GatewayTLSTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("TLS").path
    static let tls = GatewayConfiguration.TLS(
        certificatePath: folder + "/cert.pem", privateKeyPath: folder + "/key.pem")

    @Test func servesHTTPSAndTellsTheReplicaTheScheme() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(1)
        let gateway = try await RunningGateway(routes: [route("/", "web")], tls: Self.tls)
        await gateway.ready("web", ports: ports)
        let response = try await TLSClient.get(
            port: gateway.port, path: "/headers", trusting: Self.folder + "/cert.pem")
        #expect(response.hasPrefix("HTTP/1.1 200 "), "\(response.prefix(200))")
        #expect(response.lowercased().contains("x-forwarded-proto: https"), "\(response)")
        // Plain HTTP on the TLS port is not answered as HTTP.
        let plain = try? TestHTTPConnection(port: gateway.port, timeoutSeconds: 3).get("/pid")
        #expect(plain == nil || plain?.status != 200)
        await gateway.stop()
    }

    @Test func aBadCertificateOrKeyFileIsAClearStartupError() async throws {
        let folder = Self.folder
        let cases: [(GatewayConfiguration.TLS, String)] = [
            (.init(certificatePath: folder + "/README.md", privateKeyPath: folder + "/key.pem"), "README.md"),
            (.init(certificatePath: folder + "/cert.pem", privateKeyPath: folder + "/cert.pem"), "private key"),
        ]
        for (tls, expected) in cases {
            let port = freePort()
            let gateway = Gateway(
                configuration: GatewayConfiguration(
                    listen: [.init(host: "127.0.0.1", port: port, tls: tls)], routes: []),
                logger: .init(label: "test"))
            do {
                try await gateway.run()
                Issue.record("the gateway started with \(tls)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }
}

/// A one-request HTTPS client on NIO (no child processes: this test process's reaper would take them).
enum TLSClient {
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var received = ByteBuffer()
        let done: EventLoopPromise<String>

        init(done: EventLoopPromise<String>) { self.done = done }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.writeBuffer(&buffer)
        }

        func channelInactive(context: ChannelHandlerContext) {
            done.succeed(String(buffer: received))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done.fail(error)
            context.close(promise: nil)
        }
    }

    static func get(port: Int, path: String, trusting certificate: String) async throws -> String {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.next().makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(Collector(done: done))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return try await done.futureResult.get()
    }
}
