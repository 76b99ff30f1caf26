/// Reads an HTTP probe's response far enough to know two things: the probe's outcome (from the status line, as soon
/// as it is in) and where the response ends, so that a kept-alive connection can carry the next probe. The body is
/// counted by its `Content-Length` or its chunks, never kept. A pure value: `ProbeConnection` feeds it the bytes it
/// receives, and the tests feed it bytes with no socket.
struct ProbeResponseReader {
    /// What the connection does once the response is read.
    enum End: Equatable {
        /// The response is over and the connection may carry the next probe.
        case reusable
        /// The response is over, given up (too large, malformed) or the server asked to close: close it.
        case close
    }

    private enum Phase {
        case head
        /// `remaining` body bytes by `Content-Length`.
        case body(remaining: Int)
        /// The body runs until the server closes (HTTP/1.0 style, or a 1.1 response with no length).
        case untilClose
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailer
        case done
    }

    /// The longest head (status line and headers) read before the response is called malformed.
    static let maxHeadBytes = 8 * 1024
    /// How much of a body is read before the connection is closed instead (the old probe's bound, too).
    static let maxBodyBytes = 64 * 1024

    /// The probe's outcome, once the status line is in.
    private(set) var outcome: ProbeOutcome?
    /// Set once the response is over: see `End`.
    private(set) var end: End?
    /// Whether the server said the connection may stay open (HTTP/1.1, no `Connection: close`) and the probe
    /// succeeded: a failed probe drops its connection.
    private var keepsAlive = false
    private var phase = Phase.head
    private var line: [UInt8] = []
    private var head: [UInt8] = []
    private var bodyBytes = 0

    /// Whether the body is delimited by the server's close: EOF then ends the response normally.
    var runsToClose: Bool {
        if case .untilClose = phase { return true }
        return false
    }

    /// Consumes bytes received after the ones before.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        while index < bytes.count, end == nil {
            switch phase {
            case .head:
                let byte = bytes[index]
                index += 1
                head.append(byte)
                if outcome == nil, byte == UInt8(ascii: "\n") {
                    outcome = Prober.outcome(statusLine: head[..<(head.count - 1)])
                    if outcome == .failure("malformed HTTP response") { end = .close }
                } else if head.count >= 4,
                    head.suffix(4).elementsEqual("\r\n\r\n".utf8)
                        || head.suffix(2).elementsEqual("\n\n".utf8)
                {
                    headEnded()
                } else if head.count > Self.maxHeadBytes {
                    if outcome == nil { outcome = .failure("malformed HTTP response") }
                    end = .close
                }
            case .body(let remaining):
                let taken = min(remaining, bytes.count - index)
                index += taken
                phase = remaining == taken ? .done : .body(remaining: remaining - taken)
                if remaining == taken { end = keepsAlive ? .reusable : .close }
            case .untilClose:
                bodyBytes += bytes.count - index
                index = bytes.count
                if bodyBytes > Self.maxBodyBytes { end = .close }
            case .chunkSize, .trailer:
                let byte = bytes[index]
                index += 1
                guard byte == UInt8(ascii: "\n") else {
                    line.append(byte)
                    if line.count > 1024 { end = .close }
                    continue
                }
                lineEnded()
            case .chunkData(let remaining):
                let taken = min(remaining, bytes.count - index)
                index += taken
                phase = remaining == taken ? .chunkEnd : .chunkData(remaining: remaining - taken)
            case .chunkEnd:
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") { phase = .chunkSize }
            case .done:
                index = bytes.count
            }
        }
        // Bytes after the end of a response nobody asked for: the connection is out of step, drop it.
        if end == .reusable, index < bytes.count { end = .close }
    }

    /// The head is in: how the body is delimited, and whether the connection may be kept.
    private mutating func headEnded() {
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" })
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        let version = statusParts.first.map(String.init) ?? ""
        let status = statusParts.count > 1 ? Int(statusParts[1]) ?? 0 : 0
        var length: Int?
        var chunked = false
        var close = version != "HTTP/1.1"
        for header in lines.dropFirst() {
            guard let colon = header.firstIndex(of: ":") else { continue }
            let name = header[..<colon].lowercased()
            let value = header[header.index(after: colon)...].trimmingSpaces.lowercased()
            switch name {
            case "content-length":
                guard let parsed = Int(value), parsed >= 0, length == nil || length == parsed else {
                    end = .close
                    return
                }
                length = parsed
            case "transfer-encoding": chunked = value.split(separator: ",").last?.trimmingSpaces == "chunked"
            case "connection":
                if value.split(separator: ",").contains(where: { $0.trimmingSpaces == "close" }) { close = true }
            default:
                continue
            }
        }
        keepsAlive = !close && outcome == .success
        head = []
        if (100..<200).contains(status) {
            end = .close  // No interim answers to a probe's GET; not worth following.
        } else if status == 204 || status == 304 {
            end = keepsAlive ? .reusable : .close
        } else if chunked {
            phase = .chunkSize
        } else if let length {
            guard length <= Self.maxBodyBytes else {
                end = .close
                return
            }
            phase = length == 0 ? .done : .body(remaining: length)
            if length == 0 { end = keepsAlive ? .reusable : .close }
        } else {
            phase = .untilClose
            keepsAlive = false
        }
    }

    /// A chunk-size line or a trailer line is in.
    private mutating func lineEnded() {
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        defer { line = [] }
        if case .trailer = phase {
            if line.isEmpty { end = keepsAlive ? .reusable : .close }
            return
        }
        let digits = line.prefix { $0 != UInt8(ascii: ";") }
        guard let size = Int(String(decoding: digits, as: UTF8.self).trimmingSpaces, radix: 16), size >= 0 else {
            end = .close
            return
        }
        bodyBytes += size
        if bodyBytes > Self.maxBodyBytes {
            end = .close
        } else {
            phase = size == 0 ? .trailer : .chunkData(remaining: size)
        }
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
