/// Rewrites an upstream's response head for the client and serializes it.
///
/// Removes hop-by-hop fields and those named in Connection (never Content-Length or Transfer-Encoding), writes
/// Content-Length once in canonical form, replaces X-Request-Id with the gateway's, and states the connection's fate:
/// `Connection: close` when it will close (always after a close-delimited body), `Connection: keep-alive` to an
/// HTTP/1.0 client that keeps it, `Connection: upgrade` on 101.
///
/// A 1xx or 204 response loses its Content-Length and Transfer-Encoding: RFC 9110 §8.6 and RFC 9112 §6.1 forbid
/// them there, and a client (or a proxy before the gateway) that framed such a response by them would read the next
/// response's bytes as this one's body (found by the outside audit, audit7: `204` with `Content-Length: 5` was
/// passed on as is).
public enum ResponseRewrite {
    public static func serialize(
        _ head: ResponseHead,
        requestID: RequestID,
        keepAlive: Bool,
        clientVersion: HTTPVersion = .http1_1,
        into buffer: inout some HeadSink
    ) {
        statusLine(head, into: &buffer)
        let nominated = HeadWriter.connectionOptions(head.headers)
        var wroteContentLength = false
        for field in head.headers {
            switch decide(field.kind, head: head, wroteContentLength: &wroteContentLength) {
            case .drop:
                continue
            case .contentLength:
                contentLength(head, name: field.name, value: field.value, into: &buffer)
                continue
            case .keepUnlessNominated:
                if HeadWriter.isNominated(field, by: nominated) { continue }
            case .keep:
                break
            }
            HeadWriter.field(field, into: &buffer)
        }
        end(head, requestID: requestID, keepAlive: keepAlive, clientVersion: clientVersion, into: &buffer)
    }

    /// As `serialize`, from the field lines of `HeadParser.parseResponse(_:requestMethod:limits:progress:lines:)`
    /// and the bytes they were parsed from: every kept line is copied as bytes (the same bytes `serialize` writes).
    public static func write(
        _ head: ResponseHead,
        lines: [FieldLine],
        in bytes: UnsafeRawBufferPointer,
        requestID: RequestID,
        keepAlive: Bool,
        clientVersion: HTTPVersion = .http1_1,
        into buffer: inout some HeadSink
    ) {
        statusLine(head, into: &buffer)
        let nominated = HeadWriter.connectionOptions(lines, in: bytes)
        var wroteContentLength = false
        for line in lines {
            let name = UnsafeRawBufferPointer(rebasing: bytes[line.name])
            switch decide(line.kind, head: head, wroteContentLength: &wroteContentLength) {
            case .drop:
                continue
            case .contentLength:
                buffer.appendHeadBytes(name)
                buffer.appendHeadString(": " as StaticString)
                if let length = head.contentLength {
                    buffer.appendHeadDecimal(length)
                } else {
                    buffer.appendHeadBytes(UnsafeRawBufferPointer(rebasing: bytes[line.value]))
                }
                buffer.appendCRLF()
                continue
            case .keepUnlessNominated:
                if HeadWriter.isNominated(name, by: nominated) { continue }
            case .keep:
                break
            }
            HeadWriter.field(name: name, value: UnsafeRawBufferPointer(rebasing: bytes[line.value]), into: &buffer)
        }
        end(head, requestID: requestID, keepAlive: keepAlive, clientVersion: clientVersion, into: &buffer)
    }

    /// What becomes of a field of this kind.
    private enum Decision {
        case drop, contentLength, keepUnlessNominated, keep
    }

    @inline(__always)
    private static func decide(
        _ kind: HTTPFieldKind, head: ResponseHead, wroteContentLength: inout Bool
    ) -> Decision {
        switch kind {
        case .transferEncoding:
            return head.forbidsFraming ? .drop : .keep
        case .contentLength:
            if head.forbidsFraming || wroteContentLength { return .drop }
            wroteContentLength = true
            return .contentLength
        case .upgrade:
            return head.switchesProtocols ? .keep : .drop
        case .xRequestID:
            return .drop
        case .connection, .keepAlive, .proxyConnection, .te, .trailer:
            return .drop
        case .host, .expect, .xForwardedFor, .xForwardedProto, .xForwardedHost, .forwarded, .clientAddress,
            .xForwardedPort, .forwardingLookalike, .other:
            return .keepUnlessNominated
        }
    }

    private static func statusLine(_ head: ResponseHead, into buffer: inout some HeadSink) {
        buffer.appendHeadString("HTTP/1.1 " as StaticString)
        buffer.appendHeadDecimal(head.status)
        buffer.appendHeadByte(ASCII.space)
        if let raw = head.rawReason {
            raw.withUnsafeBytes { buffer.appendHeadBytes($0) }
        } else {
            buffer.appendHeadString(head.reason)
        }
        buffer.appendCRLF()
    }

    /// The parser checked that every value agrees ("5, 5" is 5): written once, canonically.
    private static func contentLength(
        _ head: ResponseHead, name: String, value: String, into buffer: inout some HeadSink
    ) {
        buffer.appendHeadString(name)
        buffer.appendHeadString(": " as StaticString)
        if let length = head.contentLength { buffer.appendHeadDecimal(length) } else { buffer.appendHeadString(value) }
        buffer.appendCRLF()
    }

    private static func end(
        _ head: ResponseHead, requestID: RequestID, keepAlive: Bool, clientVersion: HTTPVersion,
        into buffer: inout some HeadSink
    ) {
        if head.switchesProtocols {
            HeadWriter.field("Connection" as StaticString, "upgrade", into: &buffer)
        } else if !keepAlive || head.framing == .untilClose {
            HeadWriter.field("Connection" as StaticString, "close", into: &buffer)
        } else if clientVersion == .http1_0 {
            HeadWriter.field("Connection" as StaticString, "keep-alive", into: &buffer)
        }
        HeadWriter.requestIDField(requestID, into: &buffer)
        buffer.appendCRLF()
    }
}

extension ResponseHead {
    /// A status whose responses never carry framing fields (1xx, 204): the gateway frames them as bodiless.
    var forbidsFraming: Bool { status < 200 || status == 204 }
}
