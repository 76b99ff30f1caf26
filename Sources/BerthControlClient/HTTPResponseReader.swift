import BerthGatewayCore

/// Reads HTTP/1.1 responses over a blocking connection. The head goes through BerthGatewayCore's `HeadParser` (the
/// gateway's strict, fuzzed parser: one HTTP/1 parser in the code base); the body is framed as the parser says, by
/// Content-Length, chunked encoding, or the end of the connection. Sizes are bounded so that a confused peer cannot
/// make the CLI allocate without limit.
struct HTTPResponseReader {
    struct Head {
        var status: Int
        var headers: [HTTPHeaderField]
        var framing: BodyFraming

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value
        }
    }

    static let maxLineBytes = 16 * 1024
    static let maxBodyBytes = 64 * 1024 * 1024
    private static let limits = HTTPLimits(maxHeadBytes: maxLineBytes, maxHeaderCount: 100)

    private let connection: UnixConnection
    private var buffer: [UInt8] = []
    private var position = 0

    init(connection: UnixConnection) {
        self.connection = connection
    }

    /// The next final response head; interim 1xx responses (e.g. 100 Continue) are skipped.
    mutating func readHead() throws(ControlClientError) -> Head {
        while true {
            let head = try readOneHead()
            if head.isInformational { continue }
            return Head(status: head.status, headers: head.headers, framing: head.framing)
        }
    }

    private mutating func readOneHead() throws(ControlClientError) -> ResponseHead {
        var progress = HeadScanProgress()
        while true {
            let outcome = buffer[position...].withUnsafeBytes { raw in
                Result { () throws(HTTPFramingError) in
                    try HeadParser.parseResponse(raw, requestMethod: "GET", limits: Self.limits, progress: &progress)
                }
            }
            let parsed: (head: ResponseHead, length: Int)?
            switch outcome {
            case .success(let value): parsed = value
            case .failure(.headTooLarge): throw .protocolError("response head too large")
            case .failure(let error): throw .protocolError("malformed response head: \(error)")
            }
            if let (head, length) = parsed {
                position += length
                return head
            }
            let start = position
            guard try fill() else { throw .protocolError("connection closed in the middle of a response") }
            if position != start { progress = HeadScanProgress() }  // the buffer moved: scan again from its start
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
        switch head.framing {
        case .none:
            return
        case .chunked:
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
        case .contentLength(let length):
            guard length <= Self.maxBodyBytes else { throw .protocolError("bad Content-Length '\(length)'") }
            _ = try onChunk(try readExactly(length))
        case .untilClose:
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
