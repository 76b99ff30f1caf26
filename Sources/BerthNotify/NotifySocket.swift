import BerthSystem
import Glibc

/// The address in `NOTIFY_SOCKET`: a filesystem path, or an abstract socket written with a leading `@`.
public struct NotifySocket: Sendable, Equatable {
    public var text: String

    public init?(_ text: String?) {
        guard let text, text.hasPrefix("/") || (text.hasPrefix("@") && text.count > 1) else { return nil }
        self.text = text
    }

    /// `sockaddr_un` and its length; abstract names start with a NUL byte and are not NUL-terminated.
    func withAddress<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(text.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// Sends one datagram; false when nobody listens (the message is then lost, as with sd_notify).
    @discardableResult
    public func send(_ assignments: [(key: String, value: String)]) -> Bool {
        guard let fd = try? SocketAddresses.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue)) else { return false }
        defer { close(fd) }
        let payload = NotifyMessage.encode(assignments)
        let sent = withAddress { address, length in
            System.retrying {
                payload.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, length) }
            }
        }
        return (sent ?? -1) == payload.count
    }
}
