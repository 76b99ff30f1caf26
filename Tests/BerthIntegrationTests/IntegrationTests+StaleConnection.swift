import BerthTestSupport
import Foundation
import Testing

/// Found by the outside audit (audit7, issue #14): a GET on a pooled keep-alive connection that the replica closes
/// before answering (its keep-alive timeout racing the request) was replayed on other replicas only, so with one
/// replica it was 502 "every replica of S failed", and counted against the replica. nginx and HAProxy send it again
/// on a new connection to the same server; so does the gateway now, once per exchange, not judged.
extension IntegrationTests {
    /// A replica that answers one request per connection (HTTP/1.1, `Content-Length`, no `Connection: close`) with
    /// the connection's number, then reads nothing more and closes the connection a second later.
    static let oneRequestPerConnectionReplica = """
        import os, socket, threading, time
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", int(os.environ["PORT"])))
        listener.listen(64)
        count = 0
        def serve(conn, number):
            data = b""
            while b"\\r\\n\\r\\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    conn.close()
                    return
                data += chunk
            body = str(number).encode()
            conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (len(body), body))
            time.sleep(1)
            conn.close()
        while True:
            conn, _ = listener.accept()
            count += 1
            threading.Thread(target=serve, args=(conn, count), daemon=True).start()
        """

    @Test("gateway: a GET on a pooled connection the replica closes unanswered goes to it again on a new connection")
    func aStalePooledConnectionIsRetriedOnTheSameReplica() async throws {
        try await withProject("staleconn") { project in
            let port = freePort()
            let script = "\(project.root)/replica.py"
            try project.write(Self.oneRequestPerConnectionReplica, to: script)
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  routes:
                    - { path: /, service: once }
                services:
                  once:
                    command: [python3, \(script)]
                    port: auto
                    ready: { tcp: true, interval: 100ms }
                    health: { gateway_failures: 2 }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let pid = try #require(try await project.status().replicas("once").first?.pid)
            // One client connection, so that every request meets the same loop's pool: each request after the first
            // takes the connection the previous one left idle, which the replica will close unanswered.
            let answers = try await onThread {
                let client = try TestHTTPConnection(port: port, timeoutSeconds: 20)
                return try (0..<4).map { _ in try client.get("/") }
            }
            #expect(answers.map(\.status) == [200, 200, 200, 200], "\(answers.map(\.text))")
            #expect(Set(answers.map(\.text)).count == 4, "each on its own connection: \(answers.map(\.text))")
            // Not judged: two failures would have restarted it (`gateway_failures: 2`) or ejected it.
            let replica = try #require(try await project.status().replicas("once").first)
            #expect(replica.pid == pid)
            #expect(replica.restarts == 0)
            #expect(replica.ejectedSeconds == nil, "\(replica)")
        }
    }
}
