import BerthSystem
import Glibc

/// Berth's own datagram socket to journald, speaking its native protocol (`NAME=value\n` per field, the binary form
/// `NAME\n<le64 length>value\n` for a value holding a newline).
///
/// Why not only `sd_journal_sendv`: it returns 0 and drops the entry when no journald listens, so an outage would
/// lose lines silently. On a socket of our own a send to a journald that went away fails (`ECONNREFUSED`,
/// `ENOENT` once its socket file is gone), which is what lets `JournalDriver` fall back and report the gap.
final class JournalConnection {
    let path: String
    private var fd: Int32 = -1

    init(path: String) {
        self.path = path
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Connects (again) to the journal's socket; the errno when that fails.
    func connect() -> Int32? {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        let socket: Int32
        do {
            socket = try SocketAddresses.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue))
        } catch {
            return error.code
        }
        do {
            try SocketAddresses.connectUnix(socket, path: path)
        } catch {
            close(socket)
            return error.code
        }
        // journald's receive side is large; a bigger send buffer lets long lines go in one datagram.
        var size: Int32 = 8 << 20
        _ = setsockopt(socket, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        fd = socket
        return nil
    }

    var isConnected: Bool { fd >= 0 }

    /// Sends one entry; nil when sent, else the errno (`EMSGSIZE`: too large for one datagram).
    func send(_ entry: [UInt8]) -> Int32? {
        guard fd >= 0 else { return ENOTCONN }
        let sent = System.retrying {
            entry.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        return sent >= 0 ? nil : errno
    }

    /// Appends one field to `entry` in the native protocol.
    static func append(_ name: StaticString, _ value: String, to entry: inout [UInt8]) {
        entry.append(contentsOf: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        let utf8 = value.utf8
        if utf8.contains(UInt8(ascii: "\n")) {
            entry.append(UInt8(ascii: "\n"))
            var length = UInt64(utf8.count).littleEndian
            withUnsafeBytes(of: &length) { entry.append(contentsOf: $0) }
        } else {
            entry.append(UInt8(ascii: "="))
        }
        entry.append(contentsOf: utf8)
        entry.append(UInt8(ascii: "\n"))
    }
}
