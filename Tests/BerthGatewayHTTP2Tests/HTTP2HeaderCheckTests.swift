import NIOHPACK
import Testing

@testable import BerthGatewayHTTP2

/// The header blocks the gateway refuses on a client's connection now that it checks them itself (NIOHTTP2's check
/// off there): each rule of RFC 9113 § 8.2 and § 8.3 that NIOHTTP2's check enforced, for requests, responses and
/// trailers, and the blocks that must pass.
@Suite struct HTTP2HeaderCheckTests {
    static func block(_ fields: [(String, String)]) -> HTTP2Fields {
        HTTP2Fields(fields)
    }

    static let request: [(String, String)] = [
        (":method", "GET"), (":scheme", "http"), (":path", "/a?b=c"), (":authority", "example.com:8080"),
        ("user-agent", "h2load nghttp2/1.52.0"), ("accept", "*/*"), ("te", "trailers"),
        ("x-custom", "a value with spaces\tand \u{80}"),
    ]

    @Test func wellFormedBlocksPass() {
        #expect(HTTP2HeaderCheck.problem(Self.block(Self.request), .request) == nil)
        // :authority is optional; CONNECT has only :method and :authority.
        #expect(HTTP2HeaderCheck.problem(Self.block(Array(Self.request[0..<3])), .request) == nil)
        #expect(
            HTTP2HeaderCheck.problem(Self.block([(":method", "CONNECT"), (":authority", "a:443")]), .request) == nil)
        #expect(HTTP2HeaderCheck.problem(Self.block([(":status", "200"), ("server", "nginx")]), .response) == nil)
        #expect(HTTP2HeaderCheck.problem(Self.block([(":status", "103"), ("link", "</a>")]), .response) == nil)
        #expect(HTTP2HeaderCheck.problem(Self.block([("grpc-status", "0"), ("grpc-message", "")]), .trailers) == nil)
        #expect(HTTP2HeaderCheck.problem(Self.block([]), .trailers) == nil)
        // `te` is only a request's concern (NIOHTTP2 checks it only there too).
        #expect(HTTP2HeaderCheck.problem(Self.block([(":status", "200"), ("te", "gzip")]), .response) == nil)
    }

    static let malformedRequests: [[(String, String)]] = [
        // Pseudo-headers missing, twice, unknown, after a regular field, or of the other kind.
        [(":method", "GET"), (":path", "/")],
        [(":method", "GET"), (":scheme", "http")],
        [(":scheme", "http"), (":path", "/")],
        [(":method", "GET"), (":method", "GET"), (":scheme", "http"), (":path", "/")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":path", "/")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":foo", "x")],
        [(":method", "GET"), (":scheme", "http"), ("accept", "*/*"), (":path", "/")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":status", "200")],
        // Extended CONNECT is not offered; a plain CONNECT has no :path or :scheme.
        [(":method", "CONNECT"), (":scheme", "https"), (":path", "/"), (":authority", "a"), (":protocol", "ws")],
        [(":method", "CONNECT"), (":authority", "a:443"), (":path", "/")],
        [(":method", "CONNECT")],
        // An empty :path, or a pseudo-header value with a space, a control byte or DEL.
        [(":method", "GET"), (":scheme", "http"), (":path", "")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/a b")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/a\r\nx: y")],
        [(":method", "GE\u{7f}T"), (":scheme", "http"), (":path", "/")],
        // Field names: uppercase, empty, or not a token.
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("Accept", "*/*")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("", "x")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("a b", "x")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("a:b", "x")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":", "x")],
        // Values with NUL, CR or LF.
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("x", "a\rb")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("x", "a\nb")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("x", "a\u{0}b")],
        // Connection-specific fields, and te other than trailers.
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("connection", "close")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("keep-alive", "5")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("proxy-connection", "x")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("transfer-encoding", "chunked")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("upgrade", "h2c")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("te", "gzip")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("te", "trailers, gzip")],
    ]

    @Test func malformedRequestsAreRefused() {
        for fields in Self.malformedRequests {
            #expect(HTTP2HeaderCheck.problem(Self.block(fields), .request) != nil, "\(fields)")
        }
    }

    @Test func malformedResponsesAndTrailersAreRefused() {
        let refused: [([(String, String)], HTTP2HeaderCheck.Kind)] = [
            ([("server", "x")], .response),
            ([(":status", "200"), (":status", "200")], .response),
            ([(":status", "200"), (":path", "/")], .response),
            ([("server", "x"), (":status", "200")], .response),
            ([(":status", "200"), ("Server", "x")], .response),
            ([(":status", "200"), ("connection", "keep-alive")], .response),
            ([(":status", "200"), ("transfer-encoding", "chunked")], .response),
            ([(":status", "200"), ("x", "a\r\nset-cookie: b")], .response),
            ([(":status", "2 0")], .response),
            ([(":status", "200")], .trailers),
            ([("grpc-status", "0"), ("Grpc-Message", "x")], .trailers),
            ([("grpc-status", "0"), ("upgrade", "x")], .trailers),
        ]
        for (fields, kind) in refused {
            #expect(HTTP2HeaderCheck.problem(Self.block(fields), kind) != nil, "\(fields) as \(kind)")
        }
    }

    /// The check against a plain reference of the rules, over blocks built from a small alphabet of names and
    /// values (every combination of up to three fields): it must refuse exactly what the reference refuses.
    @Test func agreesWithAPlainReferenceOfTheRules() {
        let names = [":method", ":path", ":scheme", ":status", ":x", "te", "Te", "connection", "a", ""]
        let values = ["GET", "/", "", "trailers", "a b", "a\nb"]
        var fields: [(String, String)] = []
        for name in names { for value in values { fields.append((name, value)) } }
        var checked = 0
        for a in fields {
            for b in fields.prefix(30) {
                for c in [(":scheme", "http"), (":path", "/"), ("te", "x")] {
                    let block = [a, b, c]
                    for kind in [HTTP2HeaderCheck.Kind.request, .response, .trailers] {
                        let refused = HTTP2HeaderCheck.problem(Self.block(block), kind) != nil
                        #expect(refused == Self.referenceRefuses(block, kind), "\(block) as \(kind)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 60 * 30 * 3 * 3)
    }

    static func referenceRefuses(_ block: [(String, String)], _ kind: HTTP2HeaderCheck.Kind) -> Bool {
        let pseudo = block.prefix { $0.0.hasPrefix(":") }
        if block.dropFirst(pseudo.count).contains(where: { $0.0.hasPrefix(":") }) { return true }
        let names = pseudo.map(\.0)
        if Set(names).count != names.count { return true }
        for (name, value) in pseudo {
            if ![":method", ":scheme", ":path", ":authority", ":status"].contains(name) { return true }
            if value.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) { return true }
            if name == ":path", value.isEmpty { return true }
        }
        for (name, value) in block.dropFirst(pseudo.count) {
            if name.isEmpty || name != name.lowercased()
                || name.contains(where: { " :\"(),/;<=>?@[\\]{}".contains($0) })
            {
                return true
            }
            if ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"].contains(name) {
                return true
            }
            if name == "te", kind == .request, value != "trailers" { return true }
            if value.contains(where: { $0 == "\0" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) { return true }
        }
        let method = pseudo.first { $0.0 == ":method" }?.1
        let allowed: Set<String>
        let needed: Set<String>
        switch kind {
        case .request where method == "CONNECT":
            (allowed, needed) = ([":method", ":authority"], [":method", ":authority"])
        case .request:
            (allowed, needed) = ([":method", ":scheme", ":path", ":authority"], [":method", ":scheme", ":path"])
        case .response: (allowed, needed) = ([":status"], [":status"])
        case .trailers: (allowed, needed) = ([], [])
        }
        return !Set(names).isSubset(of: allowed) || !needed.isSubset(of: Set(names))
    }
}
