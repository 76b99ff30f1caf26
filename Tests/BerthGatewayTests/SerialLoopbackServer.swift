import BerthTestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The accept loop of the tests' scripted replicas (`ScriptedUpstream`, `ScriptedH2Upstream`): a loopback listener
/// that serves ONE connection at a time on one thread of its own, like a single-threaded replica (while a send to a
/// client that stopped reading blocks, nothing else is served). `stop()` shuts its sockets so that the thread ends.
final class SerialLoopbackServer: Sendable {
    let port: Int
    private let listener: Int32
    private let current = Mutex<Int32?>(nil)
    private let stopped = Atomic<Bool>(false)

    /// Starts serving: `serve` gets each accepted socket and returns when done with it (the socket is then closed).
    init(_ name: String, serve: @escaping @Sendable (Int32) -> Void) throws {
        (listener, port) = try LoopbackListener.open(name)
        let thread = Thread { [self] in serveOneByOne(serve) }
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        current.withLock { fd in if let fd { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    private func serveOneByOne(_ serve: (Int32) -> Void) {
        defer { close(listener) }
        while !stopped.load(ordering: .relaxed) {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            current.withLock { $0 = fd }
            serve(fd)
            current.withLock { open in
                open = nil
                close(fd)
            }
        }
    }

    /// Sends all of `bytes` in pieces of at most 64 KiB (blocking while the peer does not read); false once the
    /// connection failed.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = min(65536, bytes.count - offset)
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, count, Int32(MSG_NOSIGNAL)) }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }
}

/// What a scripted replica received, kept across its thread and the test's.
final class Received<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}
