import BerthGatewayCore
import BerthGatewayHTTP2
import Logging
import NIOCore
import NIOEmbedded

#if canImport(Glibc)
    import Glibc
#endif

/// Feeds one input to the gateway's server-side HTTP/2 pipeline (NIOHTTP2 with the gateway's limits, the
/// connection manager, `HTTP2StreamProxy` per stream) in an `EmbeddedChannel`, or, when the first byte is odd, to
/// the HTTP/1.1 bridge to h2c services. The backend has routes (a gRPC service, an h2c one, none for other paths)
/// but no ready replica: every stream ends in the gateway's own answer, a wait that times out, or a reset; with bit
/// 5 set (`ReplicaInput`) both services have a ready replica whose connections are `EmbeddedChannel`s fed the
/// input's second part as the replica's bytes, so that replicas' answers go through the whole pipeline too. Checks
/// what must hold whatever a client sends: no crash, every access entry well-formed, at most one per stream, and
/// nothing left behind once the connection closed. A mode with bits 1 and 2 set reads the input with the replica
/// leg's codec instead (`ReplicaCodecFuzzCheck`), or with bit 4 (bit 3 clear) as header blocks for the gateway's HPACK decoder and
/// NIOHPACK's, which must agree (`HPACKDecoderFuzzCheck`), or, with bit 3, as a client's with the client connection's
/// own codec (`ClientConnectionFuzzCheck`). HTTP/2 inputs run through the gateway's own client codec, then twice
/// through NIOHTTP2's leg (the fallback), with the gateway's header check and with NIOHTTP2's, which must end the
/// same calls the same way.
enum HTTP2FuzzHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let mode = input.first else { return }
        let body = Array(input.dropFirst())
        if mode & 6 == 6 {
            if mode & 8 != 0 {
                // An eighth of the inputs: the bytes as a client's, judged by the client connection's own codec.
                if let broken = ClientConnectionFuzzCheck.run(body) { check(false, "client codec: \(broken)") }
                return
            }
            if mode & 16 != 0 {
                // A sixteenth: the bytes as header blocks, read by the gateway's HPACK decoder and NIOHPACK's.
                if let broken = HPACKDecoderFuzzCheck.run(body) { check(false, "HPACK decoder: \(broken)") }
                return
            }
            // A sixteenth: the bytes as a replica's, read by the replica leg's own codec.
            if let broken = ReplicaCodecFuzzCheck.run(body) { check(false, "replica codec: \(broken)") }
            return
        }
        // The gateway's own client codec (`ClientCodecHandler`, the default): the invariants above.
        _ = pipeline(mode: mode, body: body, settings: .ownCodec)
        guard mode & 1 == 0, mode & 32 == 0, body.count < 2_000 else { return }
        // NIOHTTP2's leg (`clientCodec = false`, the fallback) with the gateway's header check (`HTTP2HeaderCheck`)
        // and with NIOHTTP2's: the same input must end the same calls the same way. (Inputs long enough to send over
        // 200 malformed blocks are left out: the two count them against separate limits.) The own codec is not
        // compared with NIOHTTP2's: NIOHTTP2 leaves a valid stream unserved after another stream's malformed
        // trailers (seed malformed-trailers-and-pseudo), which the own codec serves, as RFC 9113 § 5.4.2 says.
        let entries = pipeline(mode: mode, body: body, settings: .nioWithOwnCheck)
        let reference = pipeline(mode: mode, body: body, settings: .nio)
        // As sets with their counts: streams a closing connection ends are told in its stream table's order, which
        // differs from one table to another.
        let outcomes = entries.map { "\($0.method) \($0.path) \($0.status)/\($0.grpcStatus ?? -1)" }.sorted()
        let expected = reference.map { "\($0.method) \($0.path) \($0.status)/\($0.grpcStatus ?? -1)" }.sorted()
        check(
            outcomes == expected, "header checks disagree: \(outcomes) with the gateway's, \(expected) with NIOHTTP2's")
    }

    /// Which client leg a run takes.
    enum Leg {
        case ownCodec, nioWithOwnCheck, nio
    }

    /// One input through the server pipeline (or the bridge); returns the calls' access entries.
    static func pipeline(mode: UInt8, body: [UInt8], settings leg: Leg) -> [HTTP2AccessEntry] {
        let backend = FuzzBackend()
        // Bit 5: ready replicas; the body's first two bytes say how much of the rest is the client's.
        let (body, replicaBytes) = mode & 32 == 0 ? (body, []) : ReplicaInput.split(body)
        backend.hasReplicas = mode & 32 != 0
        backend.http2Settings.clientCodec = leg == .ownCodec
        backend.http2Settings.ownHeaderCheck = leg != .nio
        // Below the routes' 5 s head timeout, so that calls whose client sends no body end by `body_timeout` first:
        // the loop's clock (which the calls read) runs 6 s below.
        backend.http2Settings.bodyTimeout = .seconds(3)
        let gateway = HTTP2Gateway(backend: backend)
        let channel = EmbeddedChannel(loop: backend.loop)
        do {
            if mode & 1 == 0 {
                try gateway.configure(channel, scheme: "http")
            } else {
                let head = PassThrough()
                try channel.pipeline.syncOperations.addHandler(head)
                try gateway.bridgeHTTP1(channel, after: head, scheme: "http", clientAddress: "127.0.0.1")
            }
        } catch {
            check(false, "cannot configure the pipeline: \(error)")
        }
        _ = try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        // HTTP/2 inputs start with the preface unless they carry it: the fuzzer works on frames, not on the magic.
        let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
        ReplicaInput.writeInPieces(mode & 1 == 0 && !body.starts(with: preface) ? preface + body : body, to: channel)
        // The replicas answer what the gateway sent them, each connection the same bytes, in pieces likewise.
        for replica in backend.replicaChannels {
            ReplicaInput.feed(replicaBytes, to: replica)
        }
        // Waiting streams time out (the queue timeout), then everything else that is scheduled runs.
        backend.expireWaiters()
        backend.loop.advanceTime(by: .seconds(6))  // past the routes' 5 s head timeout (60 sweep ticks)
        // Closed, not finished: `finish` cancels every task scheduled on the loop, the gateway's sweep with them,
        // which must close idle replica connections afterwards. With no client, replica connection or call left,
        // the sweep stops itself within a second (else LeakSanitizer reports the scheduled task and all it holds).
        channel.close(promise: nil)
        backend.loop.run()
        backend.loop.advanceTime(by: .seconds(2))
        backend.loop.run()
        check(!gateway.hasClients, "a closed connection is still counted as a client")
        check(backend.waiting.isEmpty, "a stream still waits for a replica after its connection closed")
        // The replicas are out of rotation (`isInRotation`): their idle connections are closed by the sweep.
        check(!gateway.hasReplicaConnections, "a replica connection is left open with no call on it")
        check(backend.inFlight == 0, "\(backend.inFlight) tries still counted in flight on a replica")
        _ = try? channel.finish(acceptAlreadyClosed: true)
        for replica in backend.replicaChannels { _ = try? replica.finish(acceptAlreadyClosed: true) }
        // The harness's own references (a replica channel's handler may still hold the streams of calls that its
        // closing cut, and through them the gateway and this backend: a cycle only the list here closes).
        backend.replicaChannels.removeAll()
        for entry in backend.entries {
            check(
                entry.requestID.text.hasPrefix("fuzz:") || RequestIDCheck.isAcceptable(entry.requestID.text),
                "an access entry with request id \(entry.requestID)")
            check((100..<600).contains(entry.status), "an access entry with status \(entry.status)")
            check(
                backend.hasReplicas ? entry.attempts <= 3 : entry.attempts == 0,
                "\(entry.attempts) tries (\(backend.hasReplicas ? "at most 3" : "none: no replica is ready"))")
        }
        // The gateway's own ids (a client's may repeat) name one stream each.
        let ids = backend.entries.map(\.requestID.text).filter { $0.hasPrefix("fuzz:") }
        check(Set(ids).count == ids.count, "one stream logged twice: \(ids)")
        if getenv("HTTP2_FUZZ_VERBOSE") != nil {
            // Replaying seeds: what each input did (`HTTP2_FUZZ_VERBOSE=1 swift run http2-fuzz FILE...`).
            let statuses = backend.entries.map { "\($0.status)/\($0.grpcStatus.map(String.init) ?? "-")" }
            print("mode \(mode & 1 == 0 ? "h2" : "http1"): \(backend.entries.count) calls logged \(statuses)")
        }
        try? backend.loop.syncShutdownGracefully()
        return backend.entries
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        guard !condition else { return }
        print("fuzz invariant broken: \(message())")
        abort()
    }
}

/// The handler the HTTP/1.1 bridge goes after (the gateway's `ClientHandler` in real life).
final class PassThrough: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
}

/// Routes and no ready replica; waits are held until `expireWaiters`.
final class FuzzBackend: HTTP2Backend {
    let loop = EmbeddedEventLoop()
    var eventLoop: any EventLoop { loop }
    let logger = Logger(label: "http2-fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
    var http2Settings = HTTP2GatewaySettings()
    var entries: [HTTP2AccessEntry] = []
    var waiting: [(UpstreamBalancer.Replica?) -> Void] = []
    /// Whether the h2c and gRPC services have a ready replica (one each), reached through `replicaChannels`.
    var hasReplicas = false
    /// The connections the gateway opened to replicas, in order.
    var replicaChannels: [EmbeddedChannel] = []
    /// Tries started on a replica and not finished.
    var inFlight = 0
    private var ids = 0

    /// One route per service, made once, as the gateway's backend does.
    private let grpc = FuzzBackend.route("grpc", .grpc, index: 0)
    private let h2 = FuzzBackend.route("h2", .h2c, index: 1)
    private let wait = FuzzBackend.route("wait", .grpc, index: 2)

    private static func route(_ service: String, _ kind: UpstreamProtocol, index: Int) -> HTTP2Route {
        HTTP2Route(
            route: .init(path: "/", service: service), index: index, table: 0, serviceID: index, routeName: "/",
            upstreamProtocol: kind, timeout: .seconds(5), retries: 2)
    }

    func http2Route(host: String?, path: String) -> (route: HTTP2Route, upstreamPath: String)? {
        if path.hasPrefix("/grpc") { return (grpc, path) }
        if path.hasPrefix("/h2") { return (h2, path) }
        if path.hasPrefix("/wait") { return (wait, path) }
        return nil
    }

    func pick(_ route: HTTP2Route, excluding: Set<Int>) -> UpstreamBalancer.Replica? {
        guard hasReplicas, route.service != "wait", !excluding.contains(route.index) else { return nil }
        return UpstreamBalancer.Replica(id: route.index, port: 18_600 + route.index, generation: 1)
    }
    /// Out of rotation once picked: the sweep closes a replica's connections when they carry no call.
    func isInRotation(service: String, id: Int, generation: Int) -> Bool { false }
    func started(_ route: HTTP2Route, replica: UpstreamBalancer.Replica) {
        HTTP2FuzzHarness.check(hasReplicas, "started on a replica that is not ready")
        inFlight += 1
    }
    func finished(_ route: HTTP2Route, replica: UpstreamBalancer.Replica, outcome: UpstreamBalancer.Outcome) {
        inFlight -= 1
        HTTP2FuzzHarness.check(inFlight >= 0, "a try finished twice")
    }
    func replicaChannel(port: Int) -> (any Channel)? {
        guard hasReplicas else { return nil }
        let channel = EmbeddedChannel(loop: loop)
        replicaChannels.append(channel)
        return channel
    }

    func waitForReplica(service: String, _ resume: @escaping (UpstreamBalancer.Replica?) -> Void) -> Bool {
        guard service == "wait" else { return false }
        waiting.append(resume)
        return true
    }

    func expireWaiters() {
        while !waiting.isEmpty { waiting.removeFirst()(nil) }
    }

    func nextRequestID() -> RequestID {
        ids += 1
        return .text("fuzz:\(ids)")  // `:` is not in a client id the gateway keeps.
    }

    func logHTTP2Access(_ entry: HTTP2AccessEntry) { entries.append(entry) }
}
