/// A parsed request head; the fixture only needs method, target, framing and persistence.
struct HTTPRequest {
    var method: String
    var path: String
    var query: [String: String]
    var contentLength: Int
    var keepAlive: Bool
    var body: [UInt8] = []
    /// The request's header lines as received, for `/headers`.
    var headers: [(name: String, value: String)] = []
    var expectsContinue: Bool {
        headers.contains { $0.name.lowercased() == "expect" && $0.value.lowercased() == "100-continue" }
    }
    /// Body bytes read and thrown away (`/upload`), for uploads larger than memory.
    var discarded = 0

    /// Parses a complete head at the start of `bytes`; returns the request and the head's length.
    static func parse(_ bytes: [UInt8]) -> (HTTPRequest, Int)? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4,
            let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<($0 + 4)].elementsEqual(terminator) })
        else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count == 3 else {
            return (HTTPRequest(method: "", path: "", query: [:], contentLength: 0, keepAlive: false), end + 4)
        }
        let version = requestLine[2]
        var contentLength = 0
        var connection = ""
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            headers.append((String(line[..<colon]), value))
            if name == "content-length" { contentLength = Int(value) ?? 0 }
            if name == "connection" { connection = value.lowercased() }
        }
        let keepAlive = version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive"
        let target = requestLine[1]
        let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
        var query: [String: String] = [:]
        if pathEnd < target.endIndex {
            for pair in target[target.index(after: pathEnd)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                query[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
        }
        var request = HTTPRequest(
            method: String(requestLine[0]), path: String(target[..<pathEnd]), query: query,
            contentLength: max(0, contentLength), keepAlive: keepAlive)
        request.headers = headers
        return (request, end + 4)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
