import NIOHPACK
import Testing

@testable import BerthGatewayHTTP2

/// The one-pass readings of a header block that replaced separate scans (h2fields): the header check's inspection
/// (its `:method`/`:status` and `content-length`), `content-length` read as bytes, the request's and the response's
/// fields told apart by length. Each is held to the way it was read before, kept here as the reference, on many
/// generated blocks.
@Suite struct HTTP2FieldScanTests {
    /// The `content-length` reading before h2fields: every field's value split at commas, trimmed of spaces and
    /// tabs, all elements the same text, then 1 to 18 digits.
    static func referenceLength(_ values: [String]) -> Int?? {
        var announced: Substring?
        for value in values {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                var trimmed = element
                while let first = trimmed.first, first == " " || first == "\t" { trimmed = trimmed.dropFirst() }
                while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
                if let announced, announced != trimmed { return .none }
                announced = trimmed
            }
        }
        guard let announced else { return .some(nil) }
        guard !announced.isEmpty, announced.utf8.count <= 18, announced.utf8.allSatisfy({ $0 &- 0x30 < 10 }),
            let length = Int(announced)
        else { return .none }
        return .some(length)
    }

    static func length(_ values: [String]) -> Int?? {
        var announced = HTTP2ContentLength.Announced.none
        for value in values { announced.add(value) }
        guard let length = HTTP2ContentLength(announced, status: nil, requestMethod: nil) else { return .none }
        return .some(length.remaining)
    }

    @Test func contentLengthReadsAsTheSplitDid() {
        let fixed: [[String]] = [
            [], ["0"], ["12"], ["12, 12"], ["12,12"], [" 12\t"], ["12", "12"], ["12", "13"], ["12, 13"], ["5, 05"],
            ["05"], [""], [","], ["5,"], [",5"], ["-1"], ["+1"], ["1 2"], ["a"], ["a, a"], ["99999999999999999999"],
            ["999999999999999999"], ["1234567890123456789"], ["\u{e9}"], ["5 \u{301}"], [" "], ["\t5,\t5 "],
        ]
        for values in fixed {
            #expect(Self.length(values) == Self.referenceLength(values), "\(values)")
        }
        var generator = SystemRandomNumberGenerator()
        let pieces = ["0", "1", "5", "05", "12", " ", "\t", ",", "a", "-", "999999999", "\u{e9}"]
        for _ in 0..<3000 {
            let values = (0..<Int.random(in: 1...3, using: &generator)).map { _ in
                (0..<Int.random(in: 0...5, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
                    .joined()
            }
            #expect(Self.length(values) == Self.referenceLength(values), "\(values)")
        }
    }

    @Test func aResponseToHEADOrA304HasNoBodyWhateverItsLengthSays() {
        #expect(HTTP2ContentLength(.length(5, digits: 1), status: "200", requestMethod: "HEAD")?.remaining == 0)
        #expect(HTTP2ContentLength(.malformed, status: "304", requestMethod: "GET")?.remaining == 0)
        #expect(HTTP2ContentLength(.malformed, status: "200", requestMethod: "GET") == nil)
        // A request's length (no method given) is never excused.
        #expect(HTTP2ContentLength(.malformed, status: "304", requestMethod: nil) == nil)
        #expect(HTTP2ContentLength(.length(5, digits: 1), status: nil, requestMethod: nil)?.remaining == 5)
    }

    @Test func theInspectionHasTheBlocksMethodStatusAndLength() {
        let request = HTTP2Fields([
            (":method", "POST"), (":scheme", "http"), (":path", "/"), ("content-length", "7"), ("content-length", "7"),
        ])
        let inspection = HTTP2HeaderCheck.inspect(request, .request)
        #expect(inspection.problem == nil)
        #expect(inspection.pseudoValue == "POST")
        #expect(inspection.contentLength == .length(7, digits: 1))
        let response = HTTP2HeaderCheck.inspect(HTTP2Fields([(":status", "204"), ("server", "x")]), .response)
        #expect(response.problem == nil && response.pseudoValue == "204" && response.contentLength == .none)
        let differing = HTTP2Fields([(":status", "200"), ("content-length", "1"), ("content-length", "2")])
        #expect(HTTP2HeaderCheck.inspect(differing, .response).contentLength == .malformed)
        let malformed = HTTP2HeaderCheck.inspect(HTTP2Fields([(":status", "200"), ("Server", "x")]), .response)
        #expect(malformed.problem != nil)
    }

    /// Blocks of fields drawn from names the scans look for (also in other cases, and lookalikes), others of the
    /// same lengths, and common ones.
    static func randomBlocks(_ count: Int) -> [HTTP2Fields] {
        var generator = SystemRandomNumberGenerator()
        let names = [
            ":method", ":path", ":authority", ":status", ":scheme", "host", "content-type", "x-request-id",
            "grpc-timeout", "grpc-status", "X-Request-Id", "Grpc-Status", "x-forwarded-for", "x-forwarded-proto",
            "x-forwarded-host", "x-forwarded-port", "forwarded", "x-real-ip", "x_forwarded_for", "X_Real_IP",
            "x_request_id", "user-agent", "accept", "cache-control", "grpc-message", "x-requestid1", "hostname",
            "abcdefghi", "abcdefghijkl",
        ]
        return (0..<count).map { _ in
            HTTP2Fields(
                (0..<Int.random(in: 0...8, using: &generator)).map { index in
                    (names.randomElement(using: &generator)!, "v\(index)")
                })
        }
    }

    @Test func requestFieldsAreFoundAsTheSwitchOverEveryNameFoundThem() {
        for block in Self.randomBlocks(2000) {
            let fields = HTTP2StreamProxy.RequestFields(block)
            let first = { (name: String) in block.first { $0.name == name }?.value }
            #expect(fields.method == first(":method"))
            #expect(fields.path == first(":path"))
            #expect(fields.authority == first(":authority"))
            #expect(fields.host == first("host"))
            #expect(fields.contentType == first("content-type"))
            #expect(fields.requestID == first("x-request-id"))
            #expect(fields.grpcTimeout == first("grpc-timeout"))
            #expect(fields.forwarding == block.contains { HTTP1Translation.isForwarding($0.name) }, "\(block)")
        }
    }

    @Test func responseFieldsAreFoundAsFirstNameFoundThem() {
        for block in Self.randomBlocks(2000) {
            let fields = HTTP2StreamProxy.ResponseFields(block)
            #expect(fields.status == block.first(name: ":status"))
            #expect(fields.grpcStatus == block.first(name: "grpc-status"))
            #expect(fields.hasRequestID == block.contains(name: "x-request-id"))
        }
    }
}
