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
    private let server: SerialLoopbackServer
    private let headerBlocks = Received<[UInt8]>()

    init(answer: @escaping @Sendable (UInt32) -> [UInt8]) throws {
        let blocks = headerBlocks
        server = try SerialLoopbackServer("scripted h2c upstream") { fd in
            Self.serve(fd, answer: answer, blocks: blocks)
        }
    }

    var port: Int { server.port }

    /// The payloads of the HEADERS frames received so far (request heads and trailers), in order.
    var blocks: [[UInt8]] { headerBlocks.all }

    func stop() { server.stop() }

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

    private static func serve(_ fd: Int32, answer: (UInt32) -> [UInt8], blocks: Received<[UInt8]>) {
        guard SerialLoopbackServer.sendAll(fd, frame(4, flags: 0, stream: 0)) else { return }
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
                    reply = frame(4, flags: 0x1, stream: 0)
                case 1:
                    blocks.append(payload)
                    if flags & 0x1 != 0 { reply = answer(stream) }
                case 0 where flags & 0x1 != 0:
                    reply = answer(stream)
                default:
                    break
                }
                if !reply.isEmpty, !SerialLoopbackServer.sendAll(fd, reply) { return }
            }
        }
    }
}
