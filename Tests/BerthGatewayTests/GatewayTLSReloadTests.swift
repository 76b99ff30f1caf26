import BerthGateway
import BerthTestSupport
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

/// A renewed certificate is served to new connections without a restart, open connections go on, and a renewal
/// that does not load keeps the old certificate (issue 13, finding 8).
@Suite(.serialized, .timeLimit(.minutes(1))) struct GatewayTLSReloadTests {
    static let folder = GatewayTLSTests.folder
    static let first = (cert: folder + "/cert.pem", key: folder + "/key.pem")
    static let renewed = (cert: folder + "/renewed-cert.pem", key: folder + "/renewed-key.pem")

    /// A certbot-like layout: live/{cert,key}.pem are symbolic links into archive/.
    final class CertbotLayout {
        let root: String
        var live: GatewayConfiguration.TLS {
            .init(certificatePath: root + "/live/cert.pem", privateKeyPath: root + "/live/key.pem")
        }

        init() throws {
            root = NSTemporaryDirectory() + "berth-tls-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: root + "/live", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/archive", withIntermediateDirectories: true)
        }

        /// Copies a pair into archive/ as generation `n` and points live/ at it (rename over: atomic, as certbot).
        func install(_ pair: (cert: String, key: String), generation n: Int) throws {
            for (source, name) in [(pair.cert, "cert"), (pair.key, "key")] {
                let target = "\(root)/archive/\(name)\(n).pem"
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: source, toPath: target)
                let link = "\(root)/live/\(name).pem.new"
                try? FileManager.default.removeItem(atPath: link)
                try FileManager.default.createSymbolicLink(
                    atPath: link, withDestinationPath: "../archive/\(name)\(n).pem")
                guard rename(link, "\(root)/live/\(name).pem") == 0 else { throw TLSTestFailure("rename failed") }
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test func aRenewedCertificateReachesNewConnectionsWhileOpenOnesGoOn() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(1)
        let layout = try CertbotLayout()
        try layout.install(Self.first, generation: 1)
        let gateway = try await RunningGateway(routes: [route("/", "web")], tls: layout.live)
        await gateway.ready("web", ports: ports)

        let open = try await KeepAliveTLSClient.connect(port: gateway.port, trusting: Self.first.cert)
        #expect(try await open.get("/pid").hasPrefix("HTTP/1.1 200 "))

        try layout.install(Self.renewed, generation: 2)
        let outcomes = gateway.gateway.reloadCertificates(trigger: "test")
        guard case .reloaded(let address, let certificate)? = outcomes.first, outcomes.count == 1 else {
            Issue.record("expected one reload: \(outcomes)")
            return
        }
        #expect(address == "127.0.0.1:\(gateway.port)" && certificate.contains("valid until 2126"), "\(certificate)")
        // Same contents again: nothing to do.
        #expect(gateway.gateway.reloadCertificates(trigger: "test") == [])

        let fresh = try await TLSClient.get(port: gateway.port, path: "/pid", trusting: Self.renewed.cert)
        #expect(fresh.hasPrefix("HTTP/1.1 200 "), "a new handshake sees the renewed certificate")
        await #expect(throws: (any Error).self, "the old certificate is no longer served") {
            _ = try await TLSClient.get(port: gateway.port, path: "/pid", trusting: Self.first.cert)
        }
        // The connection opened under the first certificate goes on.
        #expect(try await open.get("/pid").hasPrefix("HTTP/1.1 200 "), "the keep-alive connection still works")
        await open.close()
        await gateway.stop()
    }

    @Test func aBrokenRenewalKeepsTheCertificateInUseAndSaysWhy() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let ports = try fixtures.start(1)
        let layout = try CertbotLayout()
        try layout.install(Self.first, generation: 1)
        let gateway = try await RunningGateway(routes: [route("/", "web")], tls: layout.live)
        await gateway.ready("web", ports: ports)

        // Half a renewal: the new certificate with the old key (certbot between two renames).
        try layout.install((cert: Self.renewed.cert, key: Self.first.key), generation: 2)
        let mismatched = gateway.gateway.reloadCertificates(trigger: "test")
        guard case .refused(_, let reason)? = mismatched.first else {
            Issue.record("a key that does not fit was accepted: \(mismatched)")
            return
        }
        #expect(reason.contains("does not fit"), "\(reason)")
        // Polling says it once, not every few seconds.
        #expect(gateway.gateway.reloadCertificates(trigger: "poll", quietRepeat: true) == [])
        let old = try await TLSClient.get(port: gateway.port, path: "/pid", trusting: Self.first.cert)
        #expect(old.hasPrefix("HTTP/1.1 200 "), "the previous certificate stays in use")

        try "not a certificate".write(toFile: layout.root + "/archive/cert2.pem", atomically: true, encoding: .utf8)
        let garbage = gateway.gateway.reloadCertificates(trigger: "test")
        guard case .refused(_, let why)? = garbage.first else {
            Issue.record("garbage was accepted: \(garbage)")
            return
        }
        #expect(why.contains("cannot read the TLS certificate \(layout.root)/live/cert.pem"), "\(why)")

        // The poll finds the finished renewal by itself.
        let running = gateway.gateway
        let watcher = Task { await running.watchCertificates(every: .milliseconds(100)) }
        defer { watcher.cancel() }
        try layout.install(Self.renewed, generation: 3)
        let deadline = ContinuousClock.now + .seconds(10)
        var served = false
        while !served, ContinuousClock.now < deadline {
            served = (try? await TLSClient.get(port: gateway.port, path: "/pid", trusting: Self.renewed.cert)) != nil
            if !served { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(served, "the poll picked up the renewed certificate")
        watcher.cancel()
        await gateway.stop()
    }
}

struct TLSTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// An HTTPS client that keeps its connection open across requests (responses framed by Content-Length).
final class KeepAliveTLSClient: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let received = Mutex<[UInt8]>([])
    private let channel = Mutex<(any Channel)?>(nil)

    static func connect(port: Int, trusting certificate: String) async throws -> KeepAliveTLSClient {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
        let context = try NIOSSLContext(configuration: configuration)
        let client = KeepAliveTLSClient()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(client)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        client.channel.withLock { $0 = channel }
        return client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        received.withLock { $0 += bytes }
    }

    /// Sends a keep-alive GET and returns the whole response.
    func get(_ path: String) async throws -> String {
        guard let channel = channel.withLock({ $0 }) else { throw TLSTestFailure("not connected") }
        received.withLock { $0 = [] }
        try await channel.writeAndFlush(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let text = received.withLock { String(decoding: $0, as: UTF8.self) }
            if let end = text.range(of: "\r\n\r\n") {
                let head = text[..<end.lowerBound].lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text[..<end.upperBound].utf8.count >= length { return text }
            }
            guard channel.isActive else { throw TLSTestFailure("connection closed: \(text)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TLSTestFailure("no complete response in time")
    }

    func close() async {
        try? await channel.withLock({ $0 })?.close()
    }
}
