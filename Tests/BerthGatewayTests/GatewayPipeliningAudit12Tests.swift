import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// audit12 (audit11's leftover: "no per-client cap on requests in flight on the HTTP/1.1 side"), through a real
/// gateway on loopback. One client connection pipelines thousands of requests to a replica that never answers: the
/// gateway forwards one request at a time over one replica connection, and stops reading the client once a head's
/// worth (`max_header_bytes`) is buffered behind the request in flight, so the client cannot make it hold more replica
/// connections or more memory than one request. Many connections are `max_connections`' business (documented).
@Suite(.serialized) struct GatewayPipeliningAudit12Tests {
    @Test func aPipeliningClientHoldsOneReplicaConnectionAndIsReadNoFurther() async throws {
        let upstream = try RecordingUpstream(answering: false)
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port], firstIndex: 0)
        let port = gateway.port
        // 32 MiB of pipelined GETs: far more than the kernel's socket buffers on both sides can take.
        let request = Array("GET /p HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        let total = 32 << 20
        let accepted = try await onThread { () throws -> Int in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            var batch: [UInt8] = []
            batch.reserveCapacity(64 * 1024)
            while batch.count + request.count <= 64 * 1024 { batch += request }
            var sent = 0
            var stalledSince: Date?
            // Non-blocking sends until 2 s pass without the gateway taking a byte (or everything went).
            while sent < total {
                let got = batch.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if got > 0 {
                    sent += got
                    stalledSince = nil
                    if got < batch.count { batch = Array(batch[got...]) + batch[..<got] }
                    continue
                }
                guard got < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { break }
                if stalledSince == nil { stalledSince = Date() }
                if Date().timeIntervalSince(stalledSince!) > 2 { break }
                usleep(10_000)
            }
            return sent
        }
        // The first request reached the replica, alone, over one connection.
        #expect(await upstream.waitForBytes(atLeast: request.count))
        try await Task.sleep(for: .milliseconds(200))
        let forwarded = String(decoding: upstream.bytes, as: UTF8.self)
        let heads = forwarded.components(separatedBy: "GET /p HTTP/1.1\r\n").count - 1
        #expect(upstream.accepted == 1, "one replica connection for one client connection")
        #expect(
            heads == 1 && forwarded.hasSuffix("\r\n\r\n"), "one request in flight, got \(forwarded.debugDescription)")
        // What the client got rid of is what the kernel buffers hold plus what the gateway read: well under 32 MiB
        // (loopback's autotuned buffers reach a few MiB); a gateway that read on would have taken it all.
        #expect(accepted < 16 << 20, "the gateway read \(accepted) bytes of pipelined requests")
        await gateway.stop()
    }
}
