import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A small HTTP server on loopback for the kept-alive probe tests: one thread polls the listening socket and its
/// connections, answers each request by `mode`, and counts what it accepted and answered. It can stop accepting (its
/// accept queue then fills, as a stuck replica's does), stop answering, or close its idle connections.
final class KeepAliveServer: @unchecked Sendable {
    enum Mode: Sendable {
        /// HTTP/1.1 200 with a length; the connection stays open.
        case keepAlive
        /// HTTP/1.1 200 with `Connection: close`, then closes.
        case close
        /// An HTTP/1.0 200 with a length and no keep-alive, then closes.
        case http10
    }

    private struct State {
        var mode: Mode
        var accepting = true
        var answering = true
        var closeIdle = false
        var stopped = false
        var finished = false
        var accepted = 0
        /// Connections the client ended with a reset rather than a FIN.
        var resets = 0
        /// Connections that ended from the client's side (FIN or reset).
        var ended = 0
        var requests: [String] = []
    }

    let port: Int
    private let fd: Int32
    private let state: Mutex<State>

    init(mode: Mode = .keepAlive, backlog: Int32 = 16) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, backlog) == 0 else {
            close(fd)
            throw ListenerError()
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        state = Mutex(State(mode: mode))
        Thread { [self] in serve() }.start()
    }

    var accepted: Int { state.withLock { $0.accepted } }
    var resets: Int { state.withLock { $0.resets } }
    var ended: Int { state.withLock { $0.ended } }
    var requests: [String] { state.withLock { $0.requests } }

    func set(mode: Mode) { state.withLock { $0.mode = mode } }
    /// Takes effect on the serving thread's next turn (it polls every 20 ms): waits for that.
    func stopAccepting() async {
        state.withLock { $0.accepting = false }
        try? await Task.sleep(for: .milliseconds(100))
    }
    func stopAnswering() async {
        state.withLock { $0.answering = false }
        try? await Task.sleep(for: .milliseconds(100))
    }
    /// Closes the connections it holds (as a server's idle timeout does), on its next turn.
    func closeIdleConnections() async {
        state.withLock { $0.closeIdle = true }
        for _ in 0..<100 where state.withLock({ $0.closeIdle }) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    private func serve() {
        var connections: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let (accepting, answering, closeIdle, stopped, mode) = state.withLock {
                ($0.accepting, $0.answering, $0.closeIdle, $0.stopped, $0.mode)
            }
            if stopped { break }
            if closeIdle {
                connections.forEach { close($0) }
                connections = []
                state.withLock { $0.closeIdle = false }
            }
            var polled = connections.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if accepting { polled.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            guard poll(&polled, nfds_t(polled.count), 20) > 0 else { continue }
            for entry in polled where entry.revents != 0 {
                if entry.fd == fd {
                    let client = accept(fd, nil, nil)
                    if client >= 0 {
                        connections.append(client)
                        state.withLock { $0.accepted += 1 }
                    }
                    continue
                }
                guard answering else { continue }
                let count = buffer.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else {
                    let reset = count < 0 && errno == ECONNRESET
                    state.withLock {
                        $0.ended += 1
                        if reset { $0.resets += 1 }
                    }
                    close(entry.fd)
                    connections.removeAll { $0 == entry.fd }
                    continue
                }
                state.withLock { $0.requests.append(String(decoding: buffer[..<count], as: UTF8.self)) }
                let reply =
                    switch mode {
                    case .keepAlive: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                    case .close: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    case .http10: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
                    }
                _ = Array(reply.utf8).withUnsafeBytes {
                    send(entry.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if mode != .keepAlive {
                    close(entry.fd)
                    connections.removeAll { $0 == entry.fd }
                }
            }
        }
        connections.forEach { close($0) }
        state.withLock { $0.finished = true }
    }

    /// Ends the serving thread, then closes the listening socket (see `TCPListener.stop`).
    func stop() {
        state.withLock { $0.stopped = true }
        for _ in 0..<300 where !state.withLock({ $0.finished }) { usleep(10_000) }
        close(fd)
    }
}
