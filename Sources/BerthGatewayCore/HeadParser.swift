/// Finds the end of a head (CRLF CRLF) in accumulated bytes and parses it; nil means more bytes are needed.
///
/// Strict on purpose (RFC 9112): the gateway forwards bytes, so anything an upstream or a client might read
/// differently, the way request smuggling works, is refused rather than repaired. See docs/gateway-framing.md.
public enum HeadParser {
    /// Parses the request head at the start of `bytes`; `length` is the size of the head, so a pipelined request or
    /// the body starts at `bytes[length...]`.
    public static func parseRequest(
        _ bytes: UnsafeRawBufferPointer,
        limits: HTTPLimits
    ) throws(HTTPFramingError) -> (head: RequestHead, length: Int)? {
        var progress = HeadScanProgress()
        return try parseRequest(bytes, limits: limits, progress: &progress)
    }

    /// As `parseRequest(_:limits:)`, resuming the search for the head's end where the previous call left it.
    public static func parseRequest(
        _ bytes: UnsafeRawBufferPointer,
        limits: HTTPLimits,
        progress: inout HeadScanProgress
    ) throws(HTTPFramingError) -> (head: RequestHead, length: Int)? {
        guard let end = try scanHead(bytes, limits: limits, isRequest: true, progress: &progress) else { return nil }
        var lines = HeadLines(bytes: bytes, start: progress.headStart, end: end)
        guard let startLine = lines.next() else { throw .badRequest("missing request line") }
        var head = try requestLine(startLine)
        var fields = FieldSummary()
        head.headers.reserveCapacity(progress.fieldLines)
        while let line = lines.next() {
            try head.headers.append(fields.field(line))
        }
        try finishRequest(&head, fields: fields)
        return (head, end)
    }

    /// As `parseRequest(_:limits:progress:)`, but the head's `headers` stay empty: its field lines are appended to
    /// `lines` as places in `bytes` (for `RequestRewrite.write`), so that no String is made per field. The same
    /// checks, the same errors; the Host of an absolute-form target is `head.host` (no field is added).
    public static func parseRequest(
        _ bytes: UnsafeRawBufferPointer,
        limits: HTTPLimits,
        progress: inout HeadScanProgress,
        lines: inout [FieldLine]
    ) throws(HTTPFramingError) -> (head: RequestHead, length: Int)? {
        guard let end = try scanHead(bytes, limits: limits, isRequest: true, progress: &progress) else { return nil }
        var headLines = HeadLines(bytes: bytes, start: progress.headStart, end: end)
        guard let startLine = headLines.next() else { throw .badRequest("missing request line") }
        var head = try requestLine(startLine)
        var fields = FieldSummary()
        lines.reserveCapacity(lines.count + progress.fieldLines)
        while let line = headLines.next() {
            try lines.append(fields.fieldLine(line, in: bytes))
        }
        try finishRequest(&head, fields: fields, materialized: false)
        return (head, end)
    }

    /// Parses the response head at the start of `bytes`, for a request made with `requestMethod` (a response to
    /// HEAD has no body whatever its headers say).
    public static func parseResponse(
        _ bytes: UnsafeRawBufferPointer,
        requestMethod: String,
        limits: HTTPLimits
    ) throws(HTTPFramingError) -> (head: ResponseHead, length: Int)? {
        var progress = HeadScanProgress()
        return try parseResponse(bytes, requestMethod: requestMethod, limits: limits, progress: &progress)
    }

    /// As `parseResponse(_:requestMethod:limits:)`, resuming where the previous call left it.
    public static func parseResponse(
        _ bytes: UnsafeRawBufferPointer,
        requestMethod: String,
        limits: HTTPLimits,
        progress: inout HeadScanProgress
    ) throws(HTTPFramingError) -> (head: ResponseHead, length: Int)? {
        var lines: [FieldLine] = []
        guard
            var parsed = try parseResponse(
                bytes, requestMethod: requestMethod, limits: limits, progress: &progress, lines: &lines)
        else { return nil }
        parsed.head.headers.reserveCapacity(lines.count)
        for line in lines {
            parsed.head.headers.append(FieldSummary.materialize(line, in: bytes, opaqueObsText: true))
        }
        return parsed
    }

    /// As `parseResponse(_:requestMethod:limits:progress:)`, but the head's `headers` stay empty: its field lines
    /// are appended to `lines` as places in `bytes` (for `ResponseRewrite.write`), so that no String is made per
    /// field. The same checks, the same errors.
    public static func parseResponse(
        _ bytes: UnsafeRawBufferPointer,
        requestMethod: String,
        limits: HTTPLimits,
        progress: inout HeadScanProgress,
        lines: inout [FieldLine]
    ) throws(HTTPFramingError) -> (head: ResponseHead, length: Int)? {
        guard let end = try scanHead(bytes, limits: limits, isRequest: false, progress: &progress) else { return nil }
        var headLines = HeadLines(bytes: bytes, start: progress.headStart, end: end)
        guard let startLine = headLines.next() else { throw .badRequest("missing status line") }
        var head = try statusLine(startLine)
        var fields = FieldSummary()
        fields.opaqueObsText = true
        lines.reserveCapacity(lines.count + progress.fieldLines)
        while let line = headLines.next() {
            try lines.append(fields.fieldLine(line, in: bytes))
        }
        try finishResponse(&head, fields: fields, requestMethod: requestMethod)
        return (head, end)
    }
}

/// The lines of a head already checked by `scanHead` (every line ends in CRLF), without their CRLF.
struct HeadLines {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    /// Index of the final empty line's CR.
    let end: Int

    init(bytes: UnsafeRawBufferPointer, start: Int, end: Int) {
        self.bytes = bytes
        self.position = start
        self.end = end - 2
    }

    mutating func next() -> UnsafeRawBufferPointer? {
        guard position < end else { return nil }
        let index = ASCII.firstCR(bytes, from: position, before: end + 1)
        let line = UnsafeRawBufferPointer(rebasing: bytes[position..<index])
        position = index + 2
        return line
    }
}
