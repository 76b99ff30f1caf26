/// The request smuggling and header injection cases (RFC 9112 §2.2, §3, §5, §6, §7.1) in one table, so that the
/// gateway's parser tests and its loopback tests check the very same bytes, and docs/hostile-input.md can list them.
public struct HostileRequest: Sendable, CustomStringConvertible {
    /// Where the gateway finds the problem: in the head (nothing is forwarded), or in a chunked body.
    public enum Stage: Sendable {
        case head
        case chunkedBody
    }

    public var name: String
    public var bytes: [UInt8]
    /// What the client gets.
    public var status: Int
    public var stage: Stage

    public init(_ name: String, _ text: String, status: Int = 400, stage: Stage = .head) {
        self.name = name
        self.bytes = Array(text.utf8)
        self.status = status
        self.stage = stage
    }

    public init(_ name: String, bytes: [UInt8], status: Int = 400) {
        self.name = name
        self.bytes = bytes
        self.status = status
        self.stage = .head
    }

    public var description: String { name }

    static let post = "POST /x HTTP/1.1\r\nHost: h\r\n"
    static let chunked = post + "Transfer-Encoding: chunked\r\n\r\n"

    public static let all: [HostileRequest] = [
        // Content-Length and Transfer-Encoding together, in both orders (CL.TE and TE.CL).
        .init("CL.TE", post + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"),
        .init(
            "TE.CL",
            post + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n"
        ),
        .init("CL.CL differing", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        .init("CL list differing", post + "Content-Length: 5, 6\r\n\r\nhello!"),
        .init("CL negative", post + "Content-Length: -5\r\n\r\n"),
        .init("CL plus sign", post + "Content-Length: +5\r\n\r\nhello"),
        .init("CL hex", post + "Content-Length: 0x5\r\n\r\nhello"),
        .init("CL overflow", post + "Content-Length: 99999999999999999999\r\n\r\n"),
        // Transfer-Encoding other than exactly one `chunked`: duplicated, obfuscated, on HTTP/1.0.
        .init(
            "TE twice, two fields", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            status: 501),
        .init("TE chunked, chunked", post + "Transfer-Encoding: chunked, chunked\r\n\r\n", status: 501),
        .init("TE xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n", status: 501),
        .init("TE chunked, identity", post + "Transfer-Encoding: chunked, identity\r\n\r\n", status: 501),
        .init("TE identity", post + "Transfer-Encoding: identity\r\n\r\n", status: 501),
        .init("TE quoted", post + "Transfer-Encoding: \"chunked\"\r\n\r\n", status: 501),
        .init("TE Kelvin sign", post + "Transfer-Encoding: chun\u{212A}ed\r\n\r\n", status: 501),
        .init("TE empty", post + "Transfer-Encoding:\r\n\r\n"),
        .init("TE space before colon", post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
        .init("TE tab before colon", post + "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n"),
        .init("TE vertical tab in value", post + "Transfer-Encoding: \u{b}chunked\r\n\r\n0\r\n\r\n"),
        .init("TE form feed in value", post + "Transfer-Encoding: chunked\u{c}\r\n\r\n0\r\n\r\n"),
        .init("TE obs-fold value", post + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"),
        .init("TE name after SP (fold)", post + " Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        .init("TE name after HTAB (fold)", post + "\tTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        .init("TE on HTTP/1.0", "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        // Line ends and bytes that two parsers read differently.
        .init("obs-fold in any field", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n"),
        .init("bare LF ends a line", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n"),
        .init("bare LF everywhere", "GET / HTTP/1.1\nHost: h\n\n"),
        .init("bare CR in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rTransfer-Encoding: chunked\r\n\r\n"),
        .init("bare CR ends the request line", "GET / HTTP/1.1\rHost: h\r\n\r\n"),
        .init("NUL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n"),
        .init("NUL in a name", "GET / HTTP/1.1\r\nHost: h\r\nX\u{0}Y: b\r\n\r\n"),
        .init("NUL in the target", "GET /a\u{0}b HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("DEL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{7f}\r\n\r\n"),
        .init(
            "invalid UTF-8 in a value",
            bytes: Array("GET / HTTP/1.1\r\nHost: h\r\nX: caf".utf8) + [0xE9] + Array("\r\n\r\n".utf8)),
        // Names, request line, Host.
        .init("space in a name", "GET / HTTP/1.1\r\nHost: h\r\nX Y: 1\r\n\r\n"),
        .init("separator in a name", "GET / HTTP/1.1\r\nHost: h\r\nX(Y): 1\r\n\r\n"),
        .init("empty name", "GET / HTTP/1.1\r\nHost: h\r\n: 1\r\n\r\n"),
        .init("line without colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"),
        .init("two spaces in the request line", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("space in the target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n"),
        .init("HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", status: 505),
        .init("missing Host", "GET / HTTP/1.1\r\n\r\n"),
        .init("duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        .init("Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
        .init("userinfo in absolute-form", "GET http://user@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("CONNECT", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", status: 501),
        // Paths that leave a route's prefix once an upstream resolves them (a route is an access boundary).
        .init("dot-dot segment", "GET /static/../secret.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("dot segment", "GET /static/./secret.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("dot-dot at the end", "GET /static/.. HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("dot-dot before the query", "GET /static/..?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("encoded dot-dot", "GET /static/%2e%2e/secret.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("encoded dot-dot, mixed case", "GET /static/%2E./secret.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("encoded slash", "GET /static/..%2fsecret.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("encoded backslash", "GET /static/..%5Csecret.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("backslash in the path", "GET /static/..\\secret.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("encoded NUL in the path", "GET /static/a%00.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("bad percent-encoding in the path", "GET /static/%zz HTTP/1.1\r\nHost: h\r\n\r\n"),
        .init("dot-dot in absolute-form", "GET http://h/static/../secret.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
        // Limits (HTTPLimits defaults: request line 8 KiB, head 16 KiB, 100 fields).
        .init(
            "request line over 8 KiB", "GET /\(String(repeating: "a", count: 8200)) HTTP/1.1\r\nHost: h\r\n\r\n",
            status: 414),
        .init(
            "one field over 16 KiB", "GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "a", count: 17000))\r\n\r\n",
            status: 431),
        .init(
            "101 fields", "GET / HTTP/1.1\r\nHost: h\r\n" + (1...100).map { "X-\($0): 1\r\n" }.joined() + "\r\n",
            status: 431),
        // Chunked bodies: the head is fine, the chunk framing is not.
        .init("chunk size overflow", chunked + "10000000000000000\r\nx\r\n0\r\n\r\n", stage: .chunkedBody),
        .init("chunk size negative", chunked + "-5\r\nhello\r\n0\r\n\r\n", stage: .chunkedBody),
        .init("chunk size 0x prefix", chunked + "0x5\r\nhello\r\n0\r\n\r\n", stage: .chunkedBody),
        .init("chunk size hex junk", chunked + "5g\r\nhello\r\n0\r\n\r\n", stage: .chunkedBody),
        .init("chunk size with space", chunked + "5 \r\nhello\r\n0\r\n\r\n", stage: .chunkedBody),
        .init("chunk size empty", chunked + "\r\nhello\r\n0\r\n\r\n", stage: .chunkedBody),
        .init("chunk size bare LF", chunked + "5\nhello\r\n0\r\n\r\n", stage: .chunkedBody),
        .init("chunk data longer than its size", chunked + "3\r\nhello\r\n0\r\n\r\n", stage: .chunkedBody),
        .init("chunk extension with bare LF", chunked + "5;a=b\nhello\r\n0\r\n\r\n", stage: .chunkedBody),
        .init("obs-fold in a trailer", chunked + "0\r\nX: a\r\n b\r\n\r\n", stage: .chunkedBody),
    ]
}
