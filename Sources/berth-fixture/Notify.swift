import Glibc

/// Sends sd_notify messages to `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket), as a service would.
enum Notify {
    static func send(_ text: String) {
        guard let raw = getenv("NOTIFY_SOCKET") else {
            Fixture.emit("berth-fixture: NOTIFY_SOCKET is not set", to: 2)
            return
        }
        var bytes = Array(String(cString: raw).utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let payload = Array(text.utf8)
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                payload.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, pointer, length) }
            }
        }
        if sent < 0 { Fixture.emit("berth-fixture: sd_notify send failed: errno \(errno)", to: 2) }
    }
}
