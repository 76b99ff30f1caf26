import NIOCore
import NIOHPACK
import Testing

@testable import BerthGatewayHTTP2

/// The header blocks the gateway forwards keep the HPACK dynamic tables (its encoder's, the peer's decoder's) to
/// the fields that repeat: a request id, new on every call, is sent without indexing.
@Suite struct HTTP2HeaderIndexingTests {
    private func request(id: String) -> HTTP2Fields {
        [
            ":method": "GET", ":scheme": "http", ":authority": "127.0.0.1:8080", ":path": "/api/items",
            "user-agent": "h2load nghttp2/1.52.0", "accept": "*/*", "x-request-id": id,
        ]
    }

    @Test func upstreamHeadersRewriteThePathAndReplaceTheRequestID() {
        let headers = HTTP2StreamProxy.upstreamHeaders(request(id: "client"), path: "/items", requestID: "r-1")
        #expect(headers.first(name: ":path") == "/items")
        #expect(headers["x-request-id"] == ["r-1"])
        #expect(headers.first(name: "user-agent") == "h2load nghttp2/1.52.0")
        let id = headers.first { $0.name == "x-request-id" }
        #expect(id?.indexing == .nonIndexable)
    }

    /// A request with its path unchanged and no id of its own keeps its block (the fast path): the same fields,
    /// in the same order and indexing, as the field-by-field rebuild; any difference takes the rebuild.
    @Test func upstreamHeadersKeepABlockWithNothingToRewrite() {
        var plain = request(id: "-")
        plain.remove(name: "x-request-id")
        let cases: [(HTTP2Fields, String)] = [
            (plain, "/api/items"), (plain, "/items"), (request(id: "client"), "/api/items"),
        ]
        for (block, path) in cases {
            let fields = HTTP2StreamProxy.RequestFields(block)
            let fast = HTTP2StreamProxy.upstreamHeaders(block, path: path, requestID: "r-2", fields: fields)
            let rebuilt = HTTP2StreamProxy.upstreamHeaders(block, path: path, requestID: "r-2")
            #expect(
                Array(fast.map { "\($0.name)=\($0.value)/\($0.indexing)" })
                    == Array(rebuilt.map { "\($0.name)=\($0.value)/\($0.indexing)" }))
            #expect(fast["x-request-id"] == ["r-2"])
            #expect(fast.first(name: ":path") == path)
        }
    }

    @Test func requestIDsDoNotGrowTheDynamicTable() throws {
        var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
        var buffer = ByteBufferAllocator().buffer(capacity: 1024)
        var sizes: [Int] = []
        for call in 0..<50 {
            let headers = HTTP2StreamProxy.upstreamHeaders(
                request(id: "client-\(call)"), path: "/items", requestID: .text("0123456789abcdef-\(call)"))
            try encoder.encode(headers: headers.hpackHeaders, to: &buffer)
            sizes.append(encoder.dynamicTableSize)
        }
        // After the first call the table holds the fields that repeat and nothing more (indexed, each id would
        // add an entry per call until the 4096-byte table is full).
        #expect(Set(sizes).count == 1, "\(sizes)")

        var response: HTTP2Fields = [":status": "200", "server": "nginx", "content-type": "text/plain"]
        HTTP2StreamProxy.addRequestID("0123456789abcdef-1", to: &response)
        let id = response.first { $0.name == "x-request-id" }
        #expect(id?.indexing == .nonIndexable)
    }
}

/// The fields a call reads from its request, in one pass: the first of a repeated field counts, as with
/// `first(name:)`.
@Suite struct HTTP2RequestFieldsTests {
    @Test func fieldsAreFoundInOnePass() {
        let headers: HTTP2Fields = [
            ":method": "POST", ":scheme": "http", ":authority": "a.example", ":path": "/svc/Call",
            "content-type": "application/grpc", "grpc-timeout": "5S", "x-request-id": "first", "host": "h.example",
        ]
        var repeated = headers
        repeated.add(name: "x-request-id", value: "second")
        let fields = HTTP2StreamProxy.RequestFields(repeated)
        #expect(fields.method == "POST")
        #expect(fields.path == "/svc/Call")
        #expect(fields.authority == "a.example")
        #expect(fields.host == "h.example")
        #expect(fields.contentType == "application/grpc")
        #expect(fields.grpcTimeout == "5S")
        #expect(fields.requestID == "first")
        #expect(HTTP2StreamProxy.RequestFields([":method": "GET"]).path == nil)
    }
}
