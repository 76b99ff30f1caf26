import BerthTestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real upstream on a loopback port that answers each request head (GET-like: no body) with the bytes `answer`
/// returns for its request line. It serves ONE connection at a time on one thread of its own, like a
/// single-threaded replica: while a send to a client that stopped reading blocks, nothing else is served.
/// `stop()` shuts its sockets so that the thread ends.
final class ScriptedUpstream: Sendable {
    private let server: SerialLoopbackServer
    private let requestLines = Received<String>()

    init(answer: @escaping @Sendable (String) -> [UInt8]) throws {
        let lines = requestLines
        server = try SerialLoopbackServer("scripted upstream") { fd in Self.serve(fd, answer: answer, lines: lines) }
    }

    var port: Int { server.port }

    /// The request lines received so far (`GET /x HTTP/1.1`), in order.
    var requests: [String] { requestLines.all }

    func stop() { server.stop() }

    private static func serve(_ fd: Int32, answer: (String) -> [UInt8], lines: Received<String>) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        let headEnd = Array("\r\n\r\n".utf8)
        while true {
            let got = recv(fd, &chunk, chunk.count, 0)
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return }
            pending += chunk[0..<got]
            while let end = pending.firstRange(of: headEnd) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                pending.removeSubrange(..<end.upperBound)
                let line = head.components(separatedBy: "\r\n")[0]
                lines.append(line)
                guard SerialLoopbackServer.sendAll(fd, answer(line)) else { return }
            }
        }
    }
}

/// A client socket with a tiny receive buffer that sends one request and never reads: a stalled client.
final class StalledClient: @unchecked Sendable {
    let fd: Int32

    init(port: Int, request: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var size: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw TestHTTPConnection.Failure(description: "connect: errno \(errno)") }
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            throw TestHTTPConnection.Failure(description: "send: errno \(errno)")
        }
    }

    /// Whether the gateway closed the connection: reading now (at last) drains what it had sent and ends in EOF
    /// or a reset, within `seconds`.
    func isClosedByPeer(within seconds: Int = 5) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = recv(fd, &chunk, chunk.count, 0)
            if got < 0, errno == EINTR { continue }
            if got > 0 { continue }
            return got == 0 || errno == ECONNRESET
        }
    }

    deinit {
        close(fd)
    }
}
