#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs system calls the one way Berth wants them run (the swift-nio `System.swift` pattern): EINTR is retried here
/// and nowhere else, and a failure becomes a `SystemError` naming the call.
public enum System {
    /// Runs `body` until it does not fail with EINTR; returns its result, negative on error with errno preserved.
    /// For callers that handle some errno values themselves (EAGAIN on a non-blocking descriptor, ENOENT).
    @discardableResult
    public static func retrying<T: SignedInteger>(_ body: () -> T) -> T {
        while true {
            let result = body()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// Runs `body` until it does not fail with EINTR; a negative result throws `SystemError(call, errno)`.
    @discardableResult
    public static func call<T: SignedInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> T {
        let result = retrying(body)
        guard result >= 0 else { throw .current(call) }
        return result
    }

    /// Writes every byte of `bytes` to `fd`, retrying on EINTR and short writes.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = try call("write") { write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
            offset += written
        }
    }

    /// Writes every byte of `bytes` to `fd`, retrying on EINTR and short writes.
    public static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) throws(SystemError) {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let written = retrying { array.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) } }
            guard written >= 0 else { throw .current("write") }
            offset += written
        }
    }

    /// Sends every byte of `bytes` on the socket `fd` with `flags` (MSG_NOSIGNAL, say), retrying on EINTR and short
    /// sends.
    public static func sendAll(_ fd: Int32, _ bytes: [UInt8], flags: Int32) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let sent = retrying {
                bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, flags) }
            }
            guard sent >= 0 else { throw .current("send") }
            offset += sent
        }
    }

    /// Reads up to `buffer.count` bytes, retrying on EINTR; 0 at end of file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try call("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Reads up to `buffer.count` bytes into the start of `buffer`, retrying on EINTR; 0 at end of file.
    public static func read(_ fd: Int32, into buffer: inout [UInt8]) throws(SystemError) -> Int {
        let count = retrying { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
        guard count >= 0 else { throw .current("read") }
        return count
    }

    /// Closes `fd` once (close is never retried on EINTR: on Linux the descriptor is gone either way).
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// The path of the running executable (`/proc/self/exe`), nil when it cannot be read.
    public static func executablePath() -> String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { readlink("/proc/self/exe", $0.baseAddress!, $0.count - 1) }
        }
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }
}
