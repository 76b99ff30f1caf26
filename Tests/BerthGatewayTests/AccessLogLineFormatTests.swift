import BerthGatewayCore
import NIOCore
import Testing

@testable import BerthGateway

/// The bytes of one line, written with raw stores into a region bounded first (`AccessLogLine`): every field, the
/// padding of milliseconds, what is unknown, and a target as long as the parser allows.
@Suite struct AccessLogLineFormatTests {
    private func line(
        method: String = "GET", path: String = "/", status: Int = 200, service: String? = "web", index: Int? = 1,
        upstream: Int64? = 1_204_000, total: Int64 = 1_390_500, id: RequestID = .generated(0xAB), grpc: Int? = nil
    ) -> (time: Substring, rest: Substring) {
        var formatter = AccessLogLine()
        var buffer = ByteBuffer()
        formatter.append(
            to: &buffer, method: method, path: path, status: status, service: service, index: index,
            upstreamNanoseconds: upstream, totalNanoseconds: total, requestID: id, grpcStatus: grpc)
        let text = Substring(buffer.readString(length: buffer.readableBytes) ?? "")
        let time = text.prefix { $0 != " " }
        return (time, text.dropFirst(time.count))
    }

    @Test func everyFieldInOrder() {
        let (time, rest) = line()
        // time=2026-12-05T15:58:10.123Z
        #expect(time.count == "time=".count + 24 && time.hasPrefix("time=") && time.hasSuffix("Z"), "\(time)")
        #expect(time.dropFirst(5 + 10).hasPrefix("T") && time.dropFirst(5 + 19).hasPrefix("."), "\(time)")
        #expect(
            rest
                == " method=GET path=/ status=200 replica=web.1 upstream_ms=1.204 total_ms=1.390"
                + " request_id=00000000000000ab\n")
    }

    @Test func smallAndLargeNumbersAndUnknowns() {
        #expect(
            line(status: 502, index: nil, upstream: 4_000, total: 12_345_678_901, id: "req-7").rest
                == " method=GET path=/ status=502 replica=web.- upstream_ms=0.004 total_ms=12345.678 request_id=req-7\n"
        )
        #expect(
            line(method: "-", path: "-", status: 414, service: nil, index: nil, upstream: nil, total: 0, id: "x").rest
                == " method=- path=- status=414 replica=- upstream_ms=- total_ms=0.000 request_id=x\n")
        #expect(
            line(method: "POST", status: 200, id: "g", grpc: 14).rest
                == " method=POST path=/ status=200 grpc_status=14 replica=web.1 upstream_ms=1.204 total_ms=1.390"
                + " request_id=g\n")
        #expect(line(status: Int.max, id: "m").rest.contains(" status=\(Int.max) "))
    }

    @Test func aLongTargetAndIdFitTheirBound() {
        let path = "/" + String(repeating: "a", count: 16_383)
        let id = String(repeating: "z", count: 128)
        let rest = line(path: path, service: String(repeating: "s", count: 63), id: .text(id)).rest
        #expect(rest.contains(" path=\(path) "))
        #expect(rest.hasSuffix(" request_id=\(id)\n"))
    }
}
