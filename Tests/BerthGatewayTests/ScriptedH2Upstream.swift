import BerthTestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A cleartext HTTP/2 replica on a loopback port that answers every request, once the request's stream has ended,
/// with the raw frames `answer` returns for its stream id: it can send what no HTTP/2 library would (a `:status 101`,
/// DATA before any head, trailers without END_STREAM). It keeps the raw payload of every HEADERS frame it receives,
/// so that a test can look for a field's bytes (the gateway writes replica blocks without Huffman coding). Serves
/// one connection at a time on a thread of its own; `stop()` shuts its sockets so that the thread ends.
final class ScriptedH2Upstream: Sendable {
    let port: Int
    private let listener: Int32
    private let answer: @Sendable (UInt32) -> [UInt8]
    private let headerBlocks = Mutex<[[UInt8]]>([])
    private let current = Mutex<Int32?>(nil)
    private let stopped = Atomic<Bool>(false)

    init(answer: @escaping @Sendable (UInt32) -> [UInt8]) throws {
        self.answer = answer
        (listener, port) = try LoopbackListener.open("scripted h2c upstream")
        let thread = Thread { [self] in serveOneByOne() }
        thread.start()
    }

    /// The payloads of the HEADERS frames received so far (request heads and trailers), in order.
    var blocks: [[UInt8]] { headerBlocks.withLock { $0 } }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        current.withLock { fd in if let fd { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    /// A frame: 24-bit length, type, flags, stream id, payload (RFC 9113 §4.1).
    static func frame(_ type: UInt8, flags: UInt8, stream: UInt32, _ payload: [UInt8] = []) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type, flags]
            + [UInt8(stream >> 24 & 0x7f), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)]
            + payload
    }

    /// An HPACK block field as a literal without indexing: `:status` by its static name index (8), any other name
    /// as a literal (RFC 7541 §6.2.2), no Huffman coding.
    static func field(_ name: String, _ value: String) -> [UInt8] {
        let nameBytes: [UInt8] = name == ":status" ? [0x08] : [0x00, UInt8(name.utf8.count)] + Array(name.utf8)
        return nameBytes + [UInt8(value.utf8.count)] + Array(value.utf8)
    }

    private func serveOneByOne() {
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

    private func serve(_ fd: Int32) {
        guard send(fd, Self.frame(4, flags: 0, stream: 0)) else { return }
        var pending: [UInt8] = []
        var prefaceLeft = 24
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = recv(fd, &chunk, chunk.count, 0)
            if got < 0, errno == EINTR { continue }
            if got <= 0 { return }
            pending += chunk[0..<got]
            if prefaceLeft > 0 {
                let skipped = min(prefaceLeft, pending.count)
                pending.removeFirst(skipped)
                prefaceLeft -= skipped
            }
            while pending.count >= 9 {
                let length = Int(pending[0]) << 16 | Int(pending[1]) << 8 | Int(pending[2])
                guard pending.count >= 9 + length else { break }
                let type = pending[3]
                let flags = pending[4]
                let stream =
                    UInt32(pending[5] & 0x7f) << 24 | UInt32(pending[6]) << 16 | UInt32(pending[7]) << 8
                    | UInt32(pending[8])
                let payload = Array(pending[9..<(9 + length)])
                pending.removeFirst(9 + length)
                var reply: [UInt8] = []
                switch type {
                case 4 where flags & 0x1 == 0:
                    reply = Self.frame(4, flags: 0x1, stream: 0)
                case 1:
                    headerBlocks.withLock { $0.append(payload) }
                    if flags & 0x1 != 0 { reply = answer(stream) }
                case 0 where flags & 0x1 != 0:
                    reply = answer(stream)
                default:
                    break
                }
                if !reply.isEmpty, !send(fd, reply) { return }
            }
        }
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }
}
