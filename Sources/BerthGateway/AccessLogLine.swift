import BerthGatewayCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Formats one access-log line straight into a buffer: `time=… method=GET path=/x status=200 replica=web.1
/// upstream_ms=1.204 total_ms=1.390 request_id=…`. Values need no quoting: the parser refused spaces and control
/// characters in the method and target, and request ids are plain (`RequestIDCheck`). The time's text is made once
/// per second (as nginx caches it), the milliseconds per line.
struct AccessLogLine {
    private var second = -1
    private var secondText: [UInt8] = []

    mutating func append(
        to buffer: inout ByteBuffer, method: String, path: String, status: Int, service: String?, index: Int?,
        upstreamNanoseconds: Int64?, totalNanoseconds: Int64, requestID: RequestID, grpcStatus: Int? = nil
    ) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        if now.tv_sec != second { cacheSecond(now.tv_sec) }
        buffer.writeStaticString("time=")
        buffer.writeBytes(secondText)
        appendPadded(&buffer, Int(now.tv_nsec / 1_000_000), width: 3)
        buffer.writeStaticString("Z method=")
        buffer.writeString(method)
        buffer.writeStaticString(" path=")
        buffer.writeString(path)
        buffer.writeStaticString(" status=")
        appendInteger(&buffer, status)
        // A gRPC call's status (HTTP/2 side): its HTTP status is 200 whatever the call's outcome.
        if let grpcStatus {
            buffer.writeStaticString(" grpc_status=")
            appendInteger(&buffer, grpcStatus)
        }
        // `service.N`, `service.-` when no replica answered, `-` before routing.
        buffer.writeStaticString(" replica=")
        if let service {
            buffer.writeString(service)
            buffer.writeStaticString(".")
            if let index { appendInteger(&buffer, index) } else { buffer.writeStaticString("-") }
        } else {
            buffer.writeStaticString("-")
        }
        buffer.writeStaticString(" upstream_ms=")
        if let upstreamNanoseconds {
            appendMilliseconds(&buffer, upstreamNanoseconds)
        } else {
            buffer.writeStaticString("-")
        }
        buffer.writeStaticString(" total_ms=")
        appendMilliseconds(&buffer, totalNanoseconds)
        buffer.writeStaticString(" request_id=")
        requestID.withBytes { _ = buffer.writeBytes($0) }
        buffer.writeStaticString("\n")
    }

    /// "2026-12-05T15:58:10." for the current second (UTC).
    private mutating func cacheSecond(_ seconds: Int) {
        second = seconds
        var time = seconds
        var parts = tm()
        gmtime_r(&time, &parts)
        var text = ByteBuffer()
        appendPadded(&text, Int(parts.tm_year) + 1900, width: 4)
        text.writeStaticString("-")
        appendPadded(&text, Int(parts.tm_mon) + 1, width: 2)
        text.writeStaticString("-")
        appendPadded(&text, Int(parts.tm_mday), width: 2)
        text.writeStaticString("T")
        appendPadded(&text, Int(parts.tm_hour), width: 2)
        text.writeStaticString(":")
        appendPadded(&text, Int(parts.tm_min), width: 2)
        text.writeStaticString(":")
        appendPadded(&text, Int(parts.tm_sec), width: 2)
        text.writeStaticString(".")
        secondText = Array(text.readableBytesView)
    }

    /// Three decimals, as "1.204".
    private func appendMilliseconds(_ buffer: inout ByteBuffer, _ nanoseconds: Int64) {
        let micros = max(0, Int(nanoseconds / 1_000))
        appendInteger(&buffer, micros / 1_000)
        buffer.writeStaticString(".")
        appendPadded(&buffer, micros % 1_000, width: 3)
    }

    private func appendInteger(_ buffer: inout ByteBuffer, _ value: Int) {
        appendPadded(&buffer, value, width: 1)
    }

    /// Decimal digits of a non-negative `value`, zero-padded to `width`.
    private func appendPadded(_ buffer: inout ByteBuffer, _ value: Int, width: Int) {
        let value = max(0, value)
        var divisor = 1
        var digits = 1
        while divisor <= value / 10 {
            divisor *= 10
            digits += 1
        }
        for _ in digits..<max(width, digits) { buffer.writeInteger(UInt8(ascii: "0")) }
        while divisor > 0 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
