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
                // The chunk goes into `head` whole, then is cut back to the head's end: one append per read.
                let scanFrom = head.count
                head.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index...]))
                index = bytes.count
                guard let headEnd = scanHead(from: scanFrom) else {
                    if head.count > Self.maxHeadBytes {
                        if outcome == nil { outcome = .failure("malformed HTTP response") }
                        end = .close
                    }
                    continue
                }
                index -= head.count - headEnd
                head.removeSubrange(headEnd...)
                headEnded()
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

    /// Looks at the bytes of `head` from `start` on: reports the status line's outcome once it is in, and returns
    /// where the head ends (just after its empty line), if it does.
    private mutating func scanHead(from start: Int) -> Int? {
        let newline = UInt8(ascii: "\n")
        var position = start
        while let found = head[position...].firstIndex(of: newline) {
            if outcome == nil {
                outcome = Prober.outcome(statusLine: head[..<found])
                if outcome == .failure("malformed HTTP response") {
                    end = .close
                    return nil
                }
            } else if found >= 1, head[found - 1] == newline {
                return found + 1
            } else if found >= 2, head[found - 1] == UInt8(ascii: "\r"), head[found - 2] == newline {
                return found + 1
            }
            position = found + 1
        }
        return nil
    }

    /// The head is in: how the body is delimited, and whether the connection may be kept. Read as bytes: a probe
    /// answer is parsed 2,000 times a second at 1,000 replicas.
    private mutating func headEnded() {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }[...]
        let statusLine = lines.popFirst() ?? []
        let statusParts = statusLine.split(separator: UInt8(ascii: " "), maxSplits: 2)
        let version = statusParts.first ?? []
        let status = statusParts.count > 1 ? Self.decimal(statusParts[1]) ?? 0 : 0
        var length: Int?
        var chunked = false
        var close = !version.elementsEqual("HTTP/1.1".utf8)
        for header in lines {
            guard let colon = header.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = header[..<colon]
            let value = Self.trimmed(header[(colon + 1)...])
            if Self.equalsIgnoringCase(name, "content-length") {
                guard let parsed = Self.decimal(value), length == nil || length == parsed else {
                    end = .close
                    return
                }
                length = parsed
            } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
                let last = value.split(separator: UInt8(ascii: ",")).last.map(Self.trimmed) ?? []
                chunked = Self.equalsIgnoringCase(last, "chunked")
            } else if Self.equalsIgnoringCase(name, "connection") {
                let tokens = value.split(separator: UInt8(ascii: ","))
                if tokens.contains(where: { Self.equalsIgnoringCase(Self.trimmed($0), "close") }) { close = true }
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

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) })
        else { return [] }
        return bytes[first...last]
    }

    private static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return zip(bytes, UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount))
            .allSatisfy { byte, expected in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 == expected : byte == expected
            }
    }

    /// A non-negative decimal of at most 18 digits.
    private static func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// A chunk-size line or a trailer line is in.
    private mutating func lineEnded() {
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        defer { line = [] }
        if case .trailer = phase {
            if line.isEmpty { end = keepsAlive ? .reusable : .close }
            return
        }
        let digits = Self.trimmed(line.prefix { $0 != UInt8(ascii: ";") }[...])
        guard let size = Int(String(decoding: digits, as: UTF8.self), radix: 16), size >= 0 else {
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
