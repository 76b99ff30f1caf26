import BerthGatewayCore
import NIOHPACK
import NIOHTTP1

/// How an HTTP/1.1 exchange maps to an HTTP/2 stream and back (RFC 9113 §8.2.2, §8.3), for an HTTP/1.1 client that
/// reaches an `h2c` or `grpc` service: a request head becomes a HEADERS frame, a response HEADERS frame a response
/// head. Pure functions, so that every rule is tested without sockets.
enum HTTP1Translation {
    /// Fields that belong to one HTTP/1.1 connection and are meaningless (or forbidden) in HTTP/2.
    static let connectionSpecific: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "http2-settings", "host",
    ]
    /// Forwarding fields are the gateway's to set (a client may not claim another address).
    static let forwarding: Set<String> = [
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded",
    ]

    /// A forwarding field (the gateway sets them) or one naming the client's address (`X-Real-IP`, `X-Client-IP`...:
    /// `ForwardingFieldName.clientAddressNames`), also spelled with `_` for `-`, as is `x_request_id`
    /// (`ForwardingFieldName`). `name` is lowercase.
    static func isForwarding(_ name: String) -> Bool {
        forwarding.contains(name) || ForwardingFieldName.isClientAddress(name) || ForwardingFieldName.isLookalike(name)
    }

    /// `isForwarding` for a name's octets (`HTTP2Fields`), without making it a `String`.
    static func isForwarding(_ name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 9 where HTTP2FieldName.equals(name, "forwarded"),
            15 where HTTP2FieldName.equals(name, "x-forwarded-for"),
            16 where HTTP2FieldName.equals(name, "x-forwarded-host") || HTTP2FieldName.equals(name, "x-forwarded-port"),
            17 where HTTP2FieldName.equals(name, "x-forwarded-proto"):
            return true
        default:
            return ForwardingFieldName.isClientAddress(name) || ForwardingFieldName.isLookalike(name)
        }
    }

    /// Why a request cannot be carried over HTTP/2.
    enum Refusal: Error, Equatable {
        /// `Upgrade` (WebSocket, h2c...): HTTP/2 has no such mechanism for a proxy to pass on.
        case upgrade(String)
        /// A `CONNECT` tunnel.
        case connect
        /// An absolute-form or asterisk-form target the gateway does not route.
        case target(String)
        /// What the HTTP/1.1 gateway's parser refuses (HeadParser): a missing, repeated or malformed Host (400), a
        /// Transfer-Encoding other than `chunked` (501). A bridged connection's later requests are parsed by
        /// NIOHTTP1, which accepts them; they must not pass here either.
        case refused(status: Int, reason: String)
    }

    /// The request as HTTP/2 request headers; `endStream` when the head says there is no body (then the HEADERS
    /// frame ends the stream and the decoder's `.end` is not forwarded).
    static func requestHeaders(
        _ head: HTTPRequestHead, scheme: String, clientAddress: String
    ) -> Result<(headers: HTTP2Fields, endStream: Bool, expectsContinue: Bool), Refusal> {
        // An upgrade to h2c is ignored, as the HTTP/1.1 gateway ignores it (RFC 9110 §7.8 lets a server): the request
        // is served as HTTP/1.1 and its Upgrade and HTTP2-Settings dropped. Refused, `curl --http2`, which offers
        // h2c on every cleartext request, got 502 from every h2c/gRPC service (outside audit, audit8).
        let upgrades = head.headers["upgrade"]
        if !upgrades.isEmpty, !HeadParser.offersH2C(upgrades.joined(separator: ",")) {
            return .failure(.upgrade(upgrades.joined(separator: ", ")))
        }
        if head.method == .CONNECT { return .failure(.connect) }
        guard head.uri.hasPrefix("/") else { return .failure(.target(head.uri)) }
        if let refusal = refusal(head) { return .failure(refusal) }
        let authority = head.headers.first(name: "host") ?? "localhost"
        var headers = HTTP2Fields()
        headers.reserveCapacity(head.headers.count + 8)
        headers.add(name: ":method", value: head.method.rawValue)
        headers.add(name: ":scheme", value: scheme)
        headers.add(name: ":authority", value: authority)
        headers.add(name: ":path", value: head.uri)
        // Fields named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
        let named = Set(
            head.headers[canonicalForm: "connection"].map { $0.lowercased() })
        var hasBody = false
        var expectsContinue = false
        for (name, value) in head.headers {
            let lower = name.lowercased()
            switch lower {
            case "content-length":
                hasBody = hasBody || value != "0"
            case "transfer-encoding":
                hasBody = true
                continue
            case "te":
                // HTTP/2 allows only `te: trailers` (what gRPC servers require).
                if value.lowercased().contains("trailers") { headers.add(name: "te", value: "trailers") }
                continue
            case "expect":
                // The gateway answers 100 Continue itself: an HTTP/2 replica need not.
                if value.lowercased() == "100-continue" { expectsContinue = true }
                continue
            default:
                break
            }
            if connectionSpecific.contains(lower) || isForwarding(lower) || named.contains(lower) { continue }
            headers.add(name: lower, value: value)
        }
        headers.add(name: "x-forwarded-for", value: clientAddress)
        headers.add(name: "x-forwarded-proto", value: scheme)
        headers.add(name: "x-forwarded-host", value: authority)
        return .success((headers, !hasBody, expectsContinue && hasBody))
    }

    /// Host and Transfer-Encoding as `HeadParser.finishRequest` checks them (docs/gateway-framing.md).
    static func refusal(_ head: HTTPRequestHead) -> Refusal? {
        let hosts = head.headers["host"]
        if hosts.count > 1 { return .refused(status: 400, reason: "duplicate Host") }
        if hosts.isEmpty && head.version == .http1_1 { return .refused(status: 400, reason: "missing Host") }
        if let host = hosts.first, !HeadParser.isValidHost(host) {
            return .refused(status: 400, reason: "invalid Host")
        }
        let codings = head.headers["transfer-encoding"].flatMap {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        guard !codings.isEmpty else { return nil }
        if head.version == .http1_0 {
            return .refused(status: 400, reason: "Transfer-Encoding in an HTTP/1.0 request")
        }
        let trimmed = codings.map { coding in
            var part = coding
            while let first = part.first, first == " " || first == "\t" { part.removeFirst() }
            while let last = part.last, last == " " || last == "\t" { part.removeLast() }
            return part.lowercased()
        }
        guard trimmed == ["chunked"] else {
            return .refused(status: 501, reason: "Transfer-Encoding other than chunked")
        }
        return nil
    }

    /// The response head for an HTTP/2 response HEADERS frame (`:status` and the fields; HTTP/2 has no
    /// connection-specific fields to drop, but a replica may send them anyway).
    static func responseHead(_ headers: HTTP2Fields, keepAlive: Bool) -> HTTPResponseHead {
        var fields = HTTPHeaders()
        fields.reserveCapacity(headers.count + 1)
        var status = 502
        for (name, value, _) in headers {
            if name == ":status" {
                status = Int(value) ?? 502
                continue
            }
            if name.hasPrefix(":") || connectionSpecific.contains(name) { continue }
            fields.add(name: name, value: value)
        }
        if !keepAlive { fields.add(name: "connection", value: "close") }
        return HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: fields)
    }

    /// A trailing HEADERS frame as HTTP/1.1 trailer fields (sent in the last chunk).
    static func trailers(_ headers: HTTP2Fields) -> HTTPHeaders {
        var fields = HTTPHeaders()
        // Connection-specific fields dropped as in the head: the replica's connection does not validate blocks.
        for (name, value, _) in headers where !name.hasPrefix(":") && !connectionSpecific.contains(name) {
            fields.add(name: name, value: value)
        }
        return fields
    }

    /// HTTP/1.1 trailer fields as a trailing HEADERS frame.
    static func trailers(_ fields: HTTPHeaders) -> HTTP2Fields {
        var headers = HTTP2Fields()
        for (name, value) in fields {
            let lower = name.lowercased()
            if connectionSpecific.contains(lower) { continue }
            headers.add(name: lower, value: value)
        }
        return headers
    }
}
