import Glibc

/// A deliberately small blocking HTTP/1.1 server: one thread per connection, keep-alive, Content-Length bodies.
struct HTTPServer: Sendable {
    let fixture: Fixture

    /// Binds and listens; returns the listening fd and the bound port.
    static func listen(host: String, port: Int) -> (fd: Int32, port: Int)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(fd, 128) == 0 else {
            close(fd)
            return nil
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    func acceptForever(_ listener: Int32) -> Never {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE {
                    if errno != EINTR { Fixture.sleep(milliseconds: 10) }
                    continue
                }
                Fixture.emit("fixture: accept failed: errno \(errno)", to: 2)
                exit(71)
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            FixtureThread.start { [self] in serve(connection) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            guard let request = readRequest(fd, &buffer, &chunk) else { return }
            if request.path == "/close" { return }  // Accept, read, then hang up without answering.
            if request.path == "/upgrade" {
                // Switch to a raw echo protocol, as a WebSocket server would switch to frames.
                let head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
                guard send(all: Array(head.utf8), to: fd) else { return }
                if !buffer.isEmpty, !send(all: buffer, to: fd) { return }
                while true {
                    let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if got < 0, errno == EINTR { continue }
                    guard got > 0, send(all: Array(chunk[0..<got]), to: fd) else { return }
                }
            }
            if request.path == "/garbage" {
                _ = send(all: Array("this is not HTTP\r\n\r\n".utf8), to: fd)
                return
            }
            let response = Router(fixture: fixture).respond(to: request)
            guard send(all: response.encoded(keepAlive: request.keepAlive), to: fd), request.keepAlive else { return }
        }
    }

    /// Reads one request head (and its Content-Length body); nil at EOF, on error or on a malformed request.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8], _ chunk: inout [UInt8]) -> HTTPRequest? {
        while true {
            if let (request, consumed) = HTTPRequest.parse(buffer) {
                if request.expectsContinue, buffer.count < consumed + request.contentLength {
                    guard send(all: Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), to: fd) else { return nil }
                }
                if request.path == "/upload" {
                    return discardBody(request, consumed: consumed, fd, &buffer, &chunk)
                }
                guard buffer.count >= consumed + request.contentLength else {
                    guard fill(fd, &buffer, &chunk) else { return nil }
                    continue
                }
                var complete = request
                complete.body = Array(buffer[consumed..<(consumed + request.contentLength)])
                buffer.removeFirst(consumed + request.contentLength)
                return complete
            }
            guard buffer.count < 64 * 1024, fill(fd, &buffer, &chunk) else { return nil }
        }
    }

    /// Reads an upload's body without keeping it, so that bodies larger than memory can be tested.
    private func discardBody(
        _ request: HTTPRequest, consumed: Int, _ fd: Int32, _ buffer: inout [UInt8], _ chunk: inout [UInt8]
    ) -> HTTPRequest? {
        var request = request
        let inBuffer = min(buffer.count - consumed, request.contentLength)
        buffer.removeFirst(consumed + inBuffer)
        var remaining = request.contentLength - inBuffer
        while remaining > 0 {
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, remaining), 0) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return nil }
            remaining -= got
        }
        request.discarded = request.contentLength
        return request
    }

    private func fill(_ fd: Int32, _ buffer: inout [UInt8], _ chunk: inout [UInt8]) -> Bool {
        while true {
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return false }
            buffer += chunk[0..<got]
            return true
        }
    }

    private func send(all bytes: [UInt8], to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }
}
