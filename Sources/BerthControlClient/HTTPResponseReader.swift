/// A minimal HTTP/1.1 response parser over a blocking connection: status line, headers, then a body framed by
/// Content-Length, chunked encoding, or the end of the connection. Sizes are bounded so that a confused peer cannot
/// make the CLI allocate without limit.
struct HTTPResponseReader {
    struct Head {
        var status: Int
        var headers: [(name: String, value: String)]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value
        }
    }

    static let maxLineBytes = 16 * 1024
    static let maxBodyBytes = 64 * 1024 * 1024

    private let connection: UnixConnection
    private var buffer: [UInt8] = []
    private var position = 0

    init(connection: UnixConnection) {
        self.connection = connection
    }

    mutating func readHead() throws(ControlClientError) -> Head {
        var statusLine = try readLine()
        // Skip interim 1xx responses (e.g. 100 Continue).
        while true {
            let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1])
            else {
                throw .protocolError("malformed status line '\(statusLine.prefix(80))'")
            }
            var headers: [(name: String, value: String)] = []
            while true {
                let line = try readLine()
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else {
                    throw .protocolError("malformed header line '\(line.prefix(80))'")
                }
                let value = line[line.index(after: colon)...].trimmingSpaces()
                headers.append((String(line[..<colon]), value))
                guard headers.count <= 100 else { throw .protocolError("too many headers") }
            }
            if (100..<200).contains(status) {
                statusLine = try readLine()
                continue
            }
            return Head(status: status, headers: headers)
        }
    }

    /// Reads the whole body of a response with `head`.
    mutating func readBody(_ head: Head) throws(ControlClientError) -> [UInt8] {
        var body: [UInt8] = []
        try readBody(head) { (chunk: [UInt8]) throws(ControlClientError) -> Bool in
            guard body.count + chunk.count <= Self.maxBodyBytes else { throw .protocolError("response body too large") }
            body += chunk
            return true
        }
        return body
    }

    /// Delivers the body piece by piece until it ends or `onChunk` returns false.
    mutating func readBody(
        _ head: Head,
        _ onChunk: ([UInt8]) throws(ControlClientError) -> Bool
    ) throws(ControlClientError) {
        if head.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine()
                let hex = sizeLine.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces() } ?? ""
                guard !hex.isEmpty, hex.count <= 8, let size = Int(hex, radix: 16) else {
                    throw .protocolError("malformed chunk size '\(sizeLine.prefix(20))'")
                }
                if size == 0 {
                    while !(try readLine()).isEmpty {}  // trailers
                    return
                }
                let data = try readExactly(size)
                guard try readLine().isEmpty else { throw .protocolError("missing CRLF after chunk") }
                guard try onChunk(data) else { return }
            }
        } else if let lengthText = head.header("content-length") {
            guard let length = Int(lengthText), length >= 0, length <= Self.maxBodyBytes else {
                throw .protocolError("bad Content-Length '\(lengthText.prefix(20))'")
            }
            if length > 0 { _ = try onChunk(try readExactly(length)) }
        } else {
            while true {
                let data = try takeAvailable()
                if data.isEmpty { return }
                guard try onChunk(data) else { return }
            }
        }
    }

    private mutating func readLine() throws(ControlClientError) -> String {
        var scanned = 0  // relative to `position`, which `fill` may move
        while true {
            if let newline = buffer[(position + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > position && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[position..<end], as: UTF8.self)
                position = newline + 1
                return line
            }
            scanned = buffer.count - position
            guard buffer.count - position <= Self.maxLineBytes else { throw .protocolError("line too long") }
            guard try fill() else { throw .protocolError("connection closed in the middle of a response") }
        }
    }

    private mutating func readExactly(_ count: Int) throws(ControlClientError) -> [UInt8] {
        while buffer.count - position < count {
            guard try fill() else { throw .protocolError("connection closed in the middle of a response") }
        }
        let data = Array(buffer[position..<(position + count)])
        position += count
        return data
    }

    private mutating func takeAvailable() throws(ControlClientError) -> [UInt8] {
        if position == buffer.count {
            guard try fill() else { return [] }
        }
        let data = Array(buffer[position...])
        position = buffer.count
        return data
    }

    /// Reads more bytes from the connection; false at end of stream.
    private mutating func fill() throws(ControlClientError) -> Bool {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        let more = try connection.read()
        buffer += more
        return !more.isEmpty
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
