/// Rewrites an upstream's response head for the client and serializes it.
///
/// Removes hop-by-hop fields and those named in Connection (never Content-Length or Transfer-Encoding), writes
/// Content-Length once in canonical form, replaces X-Request-Id with the gateway's, and states the connection's fate:
/// `Connection: close` when it will close (always after a close-delimited body), `Connection: keep-alive` to an
/// HTTP/1.0 client that keeps it, `Connection: upgrade` on 101.
public enum ResponseRewrite {
    public static func serialize(
        _ head: ResponseHead,
        requestID: String,
        keepAlive: Bool,
        clientVersion: HTTPVersion = .http1_1,
        into buffer: inout [UInt8]
    ) {
        buffer.reserveCapacity(buffer.count + 128 + head.headers.count * 40)
        buffer.append(contentsOf: "HTTP/1.1 ".utf8)
        buffer.append(contentsOf: String(head.status).utf8)
        buffer.append(ASCII.space)
        if let raw = head.rawReason {
            buffer.append(contentsOf: raw)
        } else {
            buffer.append(contentsOf: head.reason.utf8)
        }
        buffer.append(ASCII.cr)
        buffer.append(ASCII.lf)

        let nominated = HeadWriter.connectionOptions(head.headers)
        var wroteContentLength = false
        for field in head.headers {
            switch field.kind {
            case .transferEncoding:
                break
            case .contentLength:
                if wroteContentLength { continue }
                wroteContentLength = true
                // The parser checked that every value agrees ("5, 5" is 5): write it once, canonically.
                HeadWriter.field(field.name, head.contentLength.map { String($0) } ?? field.value, into: &buffer)
                continue
            case .upgrade:
                if !head.switchesProtocols { continue }
            case .xRequestID:
                continue
            case .connection, .keepAlive, .proxyConnection, .te, .trailer:
                continue
            case .host, .expect, .xForwardedFor, .xForwardedProto, .xForwardedHost, .forwarded, .xRealIP,
                .xForwardedPort, .other:
                if HeadWriter.isNominated(field, by: nominated) { continue }
            }
            HeadWriter.field(field, into: &buffer)
        }
        if head.switchesProtocols {
            HeadWriter.field("Connection", "upgrade", into: &buffer)
        } else if !keepAlive || head.framing == .untilClose {
            HeadWriter.field("Connection", "close", into: &buffer)
        } else if clientVersion == .http1_0 {
            HeadWriter.field("Connection", "keep-alive", into: &buffer)
        }
        HeadWriter.safeField("X-Request-Id", requestID, into: &buffer)
        buffer.append(ASCII.cr)
        buffer.append(ASCII.lf)
    }
}
