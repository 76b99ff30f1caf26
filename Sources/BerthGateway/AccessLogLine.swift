import BerthGatewayCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Formats one access-log line straight into a buffer: `time=… method=GET path=/x status=200 replica=web.1
/// upstream_ms=1.204 total_ms=1.390 request_id=…`. Values need no quoting: the parser refused spaces and control
/// characters in the method and target, and request ids are plain (`RequestIDCheck`). The time's text is made once
/// per second (as nginx caches it), the milliseconds per line.
///
/// The line is written with raw stores into one region reserved in the buffer (`writeWithUnsafeMutableBytes`), its
/// size bounded first: twenty-odd `ByteBuffer` writes per line, each with its capacity and uniqueness checks and
/// exclusivity accesses, were ~7k instructions per request, most of what the default access log cost (issue 14).
struct AccessLogLine {
    private var second = -1
    private var secondText: [UInt8] = []

    /// Fixed text and numbers of a line: the labels (~80 bytes), the time (24), four numbers of at most 20 digits.
    private static let fixedBound = 256

    mutating func append(
        to buffer: inout ByteBuffer, method: String, path: String, status: Int, service: String?, index: Int?,
        upstreamNanoseconds: Int64?, totalNanoseconds: Int64, requestID: RequestID, grpcStatus: Int? = nil
    ) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        if now.tv_sec != second { cacheSecond(now.tv_sec) }
        let bound =
            Self.fixedBound + method.utf8.count + path.utf8.count + (service?.utf8.count ?? 0) + requestID.utf8Count
        let time = secondText
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { region in
            var line = LineWriter(region)
            line.write("time=")
            time.withUnsafeBytes { line.write($0) }
            line.padded(Int(now.tv_nsec / 1_000_000), width: 3)
            line.write("Z method=")
            line.write(string: method)
            line.write(" path=")
            line.write(string: path)
            line.write(" status=")
            line.appendHeadDecimal(status)
            // A gRPC call's status (HTTP/2 side): its HTTP status is 200 whatever the call's outcome.
            if let grpcStatus {
                line.write(" grpc_status=")
                line.appendHeadDecimal(grpcStatus)
            }
            // `service.N`, `service.-` when no replica answered, `-` before routing.
            line.write(" replica=")
            if let service {
                line.write(string: service)
                line.write(".")
                if let index { line.appendHeadDecimal(index) } else { line.write("-") }
            } else {
                line.write("-")
            }
            line.write(" upstream_ms=")
            if let upstreamNanoseconds { line.milliseconds(upstreamNanoseconds) } else { line.write("-") }
            line.write(" total_ms=")
            line.milliseconds(totalNanoseconds)
            line.write(" request_id=")
            requestID.withBytes { line.write($0) }
            line.write("\n")
            return line.count
        }
    }

    /// "2026-12-05T15:58:10." for the current second (UTC).
    private mutating func cacheSecond(_ seconds: Int) {
        second = seconds
        var time = seconds
        var parts = tm()
        gmtime_r(&time, &parts)
        var text = [UInt8](repeating: 0, count: 32)
        let count = text.withUnsafeMutableBytes { region in
            var line = LineWriter(region)
            line.padded(Int(parts.tm_year) + 1900, width: 4)
            line.write("-")
            line.padded(Int(parts.tm_mon) + 1, width: 2)
            line.write("-")
            line.padded(Int(parts.tm_mday), width: 2)
            line.write("T")
            line.padded(Int(parts.tm_hour), width: 2)
            line.write(":")
            line.padded(Int(parts.tm_min), width: 2)
            line.write(":")
            line.padded(Int(parts.tm_sec), width: 2)
            line.write(".")
            return line.count
        }
        secondText = Array(text[..<count])
    }
}

/// Raw stores into a region the caller sized (`AccessLogLine.append` bounds the whole line first). A `HeadSink`, so
/// that strings and decimals are written as the gateway writes heads.
private struct LineWriter: HeadSink {
    let region: UnsafeMutableRawBufferPointer
    var count = 0

    init(_ region: UnsafeMutableRawBufferPointer) { self.region = region }

    mutating func write(_ text: StaticString) {
        text.withUTF8Buffer { appendHeadBytes(UnsafeRawBufferPointer($0)) }
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) { appendHeadBytes(bytes) }

    /// A `String` (named apart: a literal would otherwise pick this overload over `StaticString`'s).
    mutating func write(string text: String) { appendHeadString(text) }

    mutating func appendHeadBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(count + bytes.count <= region.count, "access-log line outgrew its bound")
        (region.baseAddress! + count).copyMemory(from: base, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func appendHeadByte(_ byte: UInt8) {
        precondition(count < region.count, "access-log line outgrew its bound")
        region[count] = byte
        count += 1
    }

    /// Three decimals, as "1.204".
    mutating func milliseconds(_ nanoseconds: Int64) {
        let micros = max(0, Int(nanoseconds / 1_000))
        appendHeadDecimal(micros / 1_000)
        write(".")
        padded(micros % 1_000, width: 3)
    }

    /// Decimal digits of a non-negative `value`, zero-padded to `width` (at most 20): `appendHeadDecimal` with the
    /// zeros written into the same scratch, one pass and one copy (counting the digits first, then writing zeros
    /// byte by byte, cost ~300 instructions more per line: three padded fields per line).
    mutating func padded(_ value: Int, width: Int) {
        var value = UInt64(max(0, value))
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, filled from the end
        withUnsafeMutableBytes(of: &digits) { scratch in
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0
            while scratch.count - start < min(width, scratch.count) {
                start -= 1
                scratch[start] = UInt8(ascii: "0")
            }
            appendHeadBytes(UnsafeRawBufferPointer(rebasing: scratch[start...]))
        }
    }
}
