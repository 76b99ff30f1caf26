import BerthGatewayCore
public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking HTTP/1.1 client (tests and benchmarks only; not part of the product) over one keep-alive TCP
/// connection: sends raw bytes, reads one response (Content-Length, chunked, or until close). Blocking is fine here:
/// each client runs on its own thread.
public final class TestHTTPConnection {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    public let fd: Int32
    private var buffer: [UInt8] = []

    /// `source` binds the client's end to another loopback address (`127.0.0.2`), to test per-peer limits.
    public init(port: Int, timeoutSeconds: Int = 15, source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw Failure(description: "bind to \(source): errno \(errno)") }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            // No close here: deinit runs for a fully initialised instance and closes `fd` once.
            throw Failure(description: "connect to \(port): errno \(errno)")
        }
    }

    deinit {
        close(fd)
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { throw Failure(description: "send: errno \(errno)") }
            offset += sent
        }
    }

    public func get(_ path: String, headers: [String: String] = [:]) throws -> Response {
        var request = "GET \(path) HTTP/1.1\r\nHost: test\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try send(request + "\r\n")
        return try readResponse()
    }

    /// Generous bounds: a test may look at a large head, but it must not wait forever on a peer sending garbage.
    private static let limits = HTTPLimits(maxHeadBytes: 1 << 20, maxHeaderCount: 10_000, maxRequestLineBytes: 64 << 10)

    /// Reads one response; throws when the connection closes before a complete one. The head goes through the
    /// gateway's own strict parser (BerthGatewayCore's `HeadParser`), so that tests read responses as clients must.
    public func readResponse(method: String = "GET") throws -> Response {
        var progress = HeadScanProgress()
        var parsed: (head: ResponseHead, length: Int)?
        while true {
            parsed = try buffer.withUnsafeBytes { raw in
                try HeadParser.parseResponse(raw, requestMethod: method, limits: Self.limits, progress: &progress)
            }
            if parsed != nil { break }
            try fill(atLeast: buffer.count + 1)
        }
        guard let (head, headLength) = parsed else { throw Failure(description: "no response head") }
        buffer.removeFirst(headLength)
        // A value that is not UTF-8 is shown as its bytes read as UTF-8 (U+FFFD for each stray byte), so that a test
        // sees what arrived on the wire rather than the parser's Latin-1 reading of it.
        let headers = head.headers.map {
            ($0.name, $0.rawValue.map { String(decoding: $0, as: UTF8.self) } ?? $0.value)
        }
        var response = Response(status: head.status, headers: headers, body: [])
        switch head.framing {
        case .none:
            break
        case .contentLength(let length):
            try fill(atLeast: length)
            response.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        case .chunked:
            response.body = try readChunked()
        case .untilClose:
            while (try? fill(atLeast: buffer.count + 1)) != nil {}
            response.body = buffer
            buffer.removeAll()
        }
        return response
    }

    /// Raw bytes (head, chunk framing and all) up to and including the first `marker`, for streamed responses.
    public func read(through marker: String) throws -> String {
        let needle = Array(marker.utf8)
        while true {
            if buffer.count >= needle.count,
                let start = (0...(buffer.count - needle.count)).first(where: {
                    Array(buffer[$0..<($0 + needle.count)]) == needle
                })
            {
                let text = String(decoding: buffer[0..<(start + needle.count)], as: UTF8.self)
                buffer.removeFirst(start + needle.count)
                return text
            }
            try fill(atLeast: buffer.count + 1)
        }
    }

    /// Whether the peer has closed the connection (reads EOF within `seconds`).
    public func isClosedByPeer(within seconds: Int = 5) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let lineEnd = try readLine()
            let sizeText = String(decoding: buffer[0..<lineEnd], as: UTF8.self).split(separator: ";")[0]
            buffer.removeFirst(lineEnd + 2)
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw Failure(description: "bad chunk size \(sizeText)")
            }
            if size == 0 {
                while true {
                    let end = try readLine()
                    buffer.removeFirst(end + 2)
                    if end == 0 { return body }
                }
            }
            try fill(atLeast: size + 2)
            body += buffer[0..<size]
            buffer.removeFirst(size + 2)
        }
    }

    private func readLine() throws -> Int {
        while true {
            if let index = buffer.indices.dropLast().first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 }) {
                return index
            }
            try fill(atLeast: buffer.count + 1)
        }
    }

    private func fill(atLeast count: Int) throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while buffer.count < count {
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { throw Failure(description: got == 0 ? "connection closed" : "recv: errno \(errno)") }
            buffer += chunk[0..<got]
        }
    }
}

/// A free TCP port on loopback, below the ephemeral range (else bind to 0, read it, release it).
public func freePort() -> Int {
    // Below the kernel's ephemeral range (32768-60999), where no connect() takes its local port: a port bind(0)
    // handed out is one that another test's client, or a poll of this very port, can take as its source port
    // before the listener binds it (a connect to a free ephemeral port can even connect to itself: TCP's
    // simultaneous open). That made a gateway test see its port refused, once in a few hundred runs.
    if let port = freeConsecutivePorts(1) { return port }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits until something accepts on `port` (bounded).
public func waitForListener(_ port: Int, seconds: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? TestHTTPConnection(port: port, timeoutSeconds: 1)) != nil { return true }
        usleep(20_000)
    }
    return false
}

/// Runs `clients` threads that each send `requests` GETs over one keep-alive connection (reconnecting after a
/// close), and returns what each request got: its status, 0 for a transport failure. Blocking: call it from a
/// thread of its own (`loadInBackground`), never from the cooperative pool.
public func load(port: Int, path: String, clients: Int, requests: Int) -> [LoadResult] {
    let results = Mutex<[LoadResult]>([])
    DispatchQueue.concurrentPerform(iterations: clients) { _ in
        var local: [LoadResult] = []
        var connection = try? TestHTTPConnection(port: port)
        for _ in 0..<requests {
            if connection == nil { connection = try? TestHTTPConnection(port: port) }
            guard let current = connection else {
                local.append(LoadResult(status: 0, body: "connect failed"))
                continue
            }
            do {
                let response = try current.get(path)
                local.append(LoadResult(status: response.status, body: response.text))
                if response.header("connection")?.lowercased() == "close" { connection = nil }
            } catch {
                local.append(LoadResult(status: 0, body: "\(error)"))
                connection = nil
            }
        }
        results.withLock { $0 += local }
    }
    return results.withLock { $0 }
}

/// `load` on a background thread, awaited without blocking the cooperative pool.
public func loadInBackground(port: Int, path: String, clients: Int, requests: Int) async -> [LoadResult] {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(returning: load(port: port, path: path, clients: clients, requests: requests))
        }
    }
}

/// What one request of a load got.
public struct LoadResult: Sendable, CustomStringConvertible {
    public var status: Int
    public var body: String

    public var description: String { "\(status) \(body.prefix(120))" }
}

/// Runs blocking work on a thread of its own and awaits it, so that the cooperative pool stays free.
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}
