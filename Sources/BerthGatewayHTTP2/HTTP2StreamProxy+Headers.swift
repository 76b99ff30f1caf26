import BerthGatewayCore
import NIOHTTP2

/// The header blocks a call forwards, built apart from the proxy so that their HPACK indexing can be tested: the
/// request id is new on every call, so it is sent without indexing. Indexed, each id would be inserted into both
/// HPACK dynamic tables (the gateway's encoder and the peer's decoder) and push the fields that repeat (authority,
/// user agent, server, content type) out of them; and NIOHPACK's encoder searches its dynamic table linearly for
/// every field whose value is not in the static table, so a table full of spent ids made each search walk ~20
/// entries (~20 % of the gateway's instructions per request in bench/h2-profile.sh).
extension HTTP2StreamProxy {
    /// The request's header block towards the replica: the client's fields with their indexing, `:path` rewritten
    /// for the route, the client's `x-request-id` replaced by the call's. Given the block's `fields`, a request
    /// with nothing to rewrite or drop (the usual one) keeps its block as is, the call's id appended: one copy of
    /// the fields' array instead of a field-by-field rebuild (~1 % of the gateway's instructions per request).
    ///
    /// `forwarding` (towards an HTTP/2 replica; an HTTP/1.1 one gets them from `HTTP1UpstreamConnection`): the
    /// client's forwarding fields are dropped and the gateway's own written, as for HTTP/1.1 (a client may not claim
    /// another address; found by the outside audit, audit1: `x-forwarded-for: 6.6.6.6` reached gRPC replicas).
    static func upstreamHeaders(
        _ headers: HTTP2Fields, path: String, requestID: RequestID, fields: RequestFields? = nil,
        forwarding: Forwarding? = nil
    ) -> HTTP2Fields {
        if let fields, !fields.hasRequestID, !fields.forwarding || forwarding == nil, fields.path == path {
            var upstreamHeaders = headers
            forwarding?.add(to: &upstreamHeaders)
            addRequestID(requestID, to: &upstreamHeaders)
            return upstreamHeaders
        }
        var upstreamHeaders = HTTP2Fields(fieldCapacity: headers.count + 4, byteCapacity: headers.byteCount + 128)
        for index in 0..<headers.count {
            let field = headers.fields[index]
            if field.staticName == 4 {
                // `:path`, rewritten for the route.
                upstreamHeaders.add(name: ":path", value: path, indexing: field.indexing)
                continue
            }
            if field.staticName == 0 {
                let drop = headers.withBytes { bytes in
                    let name = UnsafeRawBufferPointer(
                        UnsafeBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.valueStart)]))
                    return HTTP2FieldName.equals(name, "x-request-id")
                        || (forwarding != nil && HTTP1Translation.isForwarding(name))
                }
                if drop { continue }
            }
            upstreamHeaders.append(headers, index)
        }
        forwarding?.add(to: &upstreamHeaders)
        addRequestID(requestID, to: &upstreamHeaders)
        return upstreamHeaders
    }

    /// The forwarding fields the gateway writes for a call: the client's address, the listener's scheme and the
    /// host the call named.
    struct Forwarding {
        var clientAddress: String
        var scheme: String
        var host: String

        func add(to headers: inout HTTP2Fields) {
            headers.add(name: "x-forwarded-for", value: clientAddress, staticName: 0)
            headers.add(name: "x-forwarded-proto", value: scheme, staticName: 0)
            headers.add(name: "x-forwarded-host", value: host, staticName: 0)
        }
    }

    /// Adds the call's request id to a header block (request, response or the gateway's own answer).
    /// A generated id's digits are written from the stack: no `String` is made for it.
    static func addRequestID(_ requestID: RequestID, to headers: inout HTTP2Fields) {
        let name: StaticString = "x-request-id"
        requestID.withBytes { value in
            headers.append(
                name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), value: value,
                indexing: .nonIndexable, staticName: 0)
        }
    }

    /// The fields a call reads from its request's header block, found in one pass over its octets: a name the
    /// static table has is told by its index (`HTTP2Fields.Field.staticName`), others by length, then compared.
    /// Names are lowercase (HTTP/2 requires it and the gateway's check refuses others on the client's connection; the
    /// HTTP/1.1 bridge lowercases them); the first of a repeated field counts. The pass keeps where each value is;
    /// a value becomes text only when asked for (as seven `String`s, every copy of this value was seven retains and
    /// its end seven releases, through value witnesses: ~1.2k instructions per request in bench/h2-profile.sh).
    struct RequestFields {
        /// Where a value's octets are in the block.
        struct Span {
            var start: UInt32
            var end: UInt32
        }

        private let headers: HTTP2Fields
        private var methodSpan, pathSpan, contentTypeSpan, requestIDSpan: Span?
        private var authoritySpan, hostSpan, grpcTimeoutSpan: Span?
        /// The block has a forwarding field (`HTTP1Translation.forwarding`).
        private(set) var forwarding = false

        /// The static table's literal when the value is one (`GET`, `POST`, `/`): no `String` made for the usual.
        var method: String? { literal(methodSpan, 2) ?? text(methodSpan) }
        var path: String? { literal(pathSpan, 4) ?? text(pathSpan) }
        var contentType: String? { text(contentTypeSpan) }
        var requestID: String? { text(requestIDSpan) }
        var authority: String? { text(authoritySpan) }
        var host: String? { text(hostSpan) }
        var grpcTimeout: String? { text(grpcTimeoutSpan) }
        var hasRequestID: Bool { requestIDSpan != nil }

        /// Whether the content type starts with `application/grpc` (a gRPC call), read in place.
        var isGRPC: Bool {
            guard let span = contentTypeSpan else { return false }
            let prefix: StaticString = "application/grpc"
            return headers.withBytes { bytes in
                Int(span.end - span.start) >= prefix.utf8CodeUnitCount
                    && HTTP2FieldName.equals(
                        bytes, Int(span.start), Int(span.start) + prefix.utf8CodeUnitCount, prefix)
            }
        }

        private func literal(_ span: Span?, _ staticName: UInt8) -> String? {
            guard let span else { return nil }
            let index = headers.withBytes {
                HTTP2FieldName.fullMatch(
                    staticName,
                    UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[Int(span.start)..<Int(span.end)])))
            }
            return index.map { HPACKStaticTable.fields[Int($0)].value }
        }

        private func text(_ span: Span?) -> String? {
            guard let span else { return nil }
            return headers.withBytes {
                String(decoding: UnsafeBufferPointer(rebasing: $0[Int(span.start)..<Int(span.end)]), as: UTF8.self)
            }
        }

        init(_ headers: HTTP2Fields) {
            self.headers = headers
            headers.withBytes { bytes in
                for field in headers.fields {
                    let span = Span(start: field.valueStart, end: field.valueEnd)
                    switch field.staticName {
                    case 0: break
                    case 1: authoritySpan = authoritySpan ?? span
                    case 2: methodSpan = methodSpan ?? span
                    case 4: pathSpan = pathSpan ?? span
                    case 31: contentTypeSpan = contentTypeSpan ?? span
                    case 38: hostSpan = hostSpan ?? span
                    default: continue
                    }
                    guard field.staticName == 0 else { continue }
                    let name = UnsafeRawBufferPointer(
                        UnsafeBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.valueStart)]))
                    switch name.count {
                    case 12 where HTTP2FieldName.equals(name, "x-request-id"): requestIDSpan = requestIDSpan ?? span
                    case 12 where HTTP2FieldName.equals(name, "grpc-timeout"):
                        grpcTimeoutSpan = grpcTimeoutSpan ?? span
                    case 9...19:
                        if !forwarding, HTTP1Translation.isForwarding(name) { forwarding = true }
                    default: break
                    }
                }
            }
        }
    }

    /// What a call reads from its replica's response head, found in one pass (three `first(name:)`/`contains(name:)`
    /// scans before, each comparing every name without regard to case). `:status` is told by its static index;
    /// other names by length, then compared without regard to case (as `first(name:)` did: an HTTP/1.1 client of
    /// the bridge gets the replica's `X-Request-Id`, not a second one).
    struct ResponseFields {
        var status: String?
        /// A second `:status` (malformed: `ReplicaResponseCheck`; the bridge took the last one, the proxy the first).
        var statusRepeated = false
        var hasRequestID = false
        var grpcStatus: String?

        init(_ headers: HTTP2Fields) {
            headers.withBytes { bytes in
                for field in headers.fields {
                    let start = Int(field.nameStart)
                    let end = Int(field.valueStart)
                    let isStatus: Bool
                    switch field.staticName {
                    case 8: isStatus = true
                    case 0:
                        switch end - start {
                        case 7: isStatus = Self.named(bytes, start, end, ":status")
                        case 11:
                            if grpcStatus == nil, Self.named(bytes, start, end, "grpc-status") {
                                grpcStatus = String(
                                    decoding: bytes[Int(field.valueStart)..<Int(field.valueEnd)], as: UTF8.self)
                            }
                            continue
                        case 12:
                            if Self.named(bytes, start, end, "x-request-id") { hasRequestID = true }
                            continue
                        default: continue
                        }
                    default: continue
                    }
                    guard isStatus else { continue }
                    if status == nil {
                        status = String(decoding: bytes[Int(field.valueStart)..<Int(field.valueEnd)], as: UTF8.self)
                    } else {
                        statusRepeated = true
                    }
                }
            }
        }

        /// Whether `bytes[start..<end]` is `lowercase` in any case (ASCII letters only).
        static func named(
            _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ lowercase: StaticString
        )
            -> Bool
        {
            guard end - start == lowercase.utf8CodeUnitCount else { return false }
            let expected = lowercase.utf8Start
            for offset in 0..<(end - start) where HTTP2FieldName.lower(bytes[start + offset]) != expected[offset] {
                return false
            }
            return true
        }
    }
}

extension HTTP2StreamProxy {
    /// A trailing HEADERS frame as the gateway forwards it, either way: the fields RFC 9110 §6.5.1 forbids in
    /// trailers (`TrailerFilter`: framing, routing, authentication, the forwarding fields...) dropped, as the
    /// HTTP/1.1 gateway drops them from chunked trailers. Nil when nothing is dropped (the usual gRPC trailers), so
    /// that the frame is forwarded as it came. Found by the outside audit (audit8): an HTTP/2 client's request
    /// trailers `x-forwarded-for: 6.6.6.6`, `authorization`, `host` or `content-length` reached h2c/gRPC replicas,
    /// and HTTP/1.1 replicas as chunked trailer fields, and a replica's `set-cookie` trailer reached clients.
    static func forwardedTrailers(_ frame: CallFrame.Headers) -> CallFrame.Headers? {
        let fields = frame.headers
        let allowed = { (index: Int) in TrailerFilter.allows(name: fields.name(index)) }
        guard (0..<fields.count).contains(where: { !allowed($0) }) else { return nil }
        var filtered = frame
        filtered.headers = fields.keeping(allowed)
        return filtered
    }
}
