import BerthTestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real upstream on a loopback port that records every byte it receives and answers each complete head with a
/// small 200: the hostile-input tests assert that what the gateway refuses never reaches it. Its threads are its own
/// (never the cooperative pool); `stop()` shuts the sockets so that they end.
final class RecordingUpstream: Sendable {
    let port: Int
    private let listener: Int32
    private let received = Mutex<[UInt8]>([])
    private let connections = Mutex<[Int32]>([])
    private let connectionCount = Atomic<Int>(0)
    private let closedCount = Atomic<Int>(0)
    private let listenerClosed = Mutex<Bool>(false)

    /// Whether each complete head gets an answer; a silent upstream lets a test reach the end of a request body.
    private let answering: Bool

    init(answering: Bool = true) throws {
        self.answering = answering
        (listener, port) = try LoopbackListener.open("recording upstream")
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Every byte received so far, over all connections.
    var bytes: [UInt8] { received.withLock { $0 } }

    /// How many connections were accepted so far, and how many of them the gateway has closed.
    var accepted: Int { connectionCount.load(ordering: .relaxed) }
    var closedByGateway: Int { closedCount.load(ordering: .relaxed) }

    func clear() {
        received.withLock { $0.removeAll() }
    }

    /// Waits (bounded, polling off the cooperative pool's time only in short sleeps) until `count` bytes arrived.
    func waitForBytes(atLeast count: Int, seconds: Double = 5) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if bytes.count >= count { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return bytes.count >= count
    }

    /// Ends the threads. Only open connections are shut down, under the lock that `serve` closes them under: a
    /// closed descriptor's number may already belong to another test's socket in this process.
    func stop() {
        listenerClosed.withLock { closed in
            if !closed { shutdown(listener, Int32(SHUT_RDWR)) }
        }
        connections.withLock { open in
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Shuts the connections open now (the replica closing its idle keep-alive connections); new ones are still
    /// accepted. Under the lock `serve` closes them under, as in `stop`.
    func closeOpenConnections() {
        connections.withLock { open in
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                listenerClosed.withLock { closed in
                    closed = true
                    close(listener)
                }
                return
            }
            connectionCount.add(1, ordering: .relaxed)
            connections.withLock { $0.append(fd) }
            let thread = Thread { [self] in serve(fd) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            connections.withLock { open in
                open.removeAll { $0 == fd }
                close(fd)
            }
        }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        let headEnd = Array("\r\n\r\n".utf8)
        while true {
            let got = recv(fd, &chunk, chunk.count, 0)
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                if got == 0 { closedCount.add(1, ordering: .relaxed) }
                return
            }
            received.withLock { $0 += chunk[0..<got] }
            pending += chunk[0..<got]
            while answering, let end = pending.firstRange(of: headEnd) {
                pending.removeSubrange(..<end.upperBound)
                let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
                _ = answer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
        }
    }
}
