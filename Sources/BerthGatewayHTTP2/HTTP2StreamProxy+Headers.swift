import BerthGatewayCore
import NIOHPACK
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
        _ headers: HPACKHeaders, path: String, requestID: String, fields: RequestFields? = nil,
        forwarding: Forwarding? = nil
    ) -> HPACKHeaders {
        if let fields, fields.path == path, fields.requestID == nil, !fields.forwarding || forwarding == nil {
            var upstreamHeaders = headers
            forwarding?.add(to: &upstreamHeaders)
            addRequestID(requestID, to: &upstreamHeaders)
            return upstreamHeaders
        }
        var upstreamHeaders = HPACKHeaders()
        upstreamHeaders.reserveCapacity(headers.count + 4)
        for (name, value, indexing) in headers {
            switch name {
            case ":path": upstreamHeaders.add(name: name, value: path, indexing: indexing)
            case "x-request-id": continue
            case _ where forwarding != nil && HTTP1Translation.isForwarding(name): continue
            default: upstreamHeaders.add(name: name, value: value, indexing: indexing)
            }
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

        func add(to headers: inout HPACKHeaders) {
            headers.add(name: "x-forwarded-for", value: clientAddress)
            headers.add(name: "x-forwarded-proto", value: scheme)
            headers.add(name: "x-forwarded-host", value: host)
        }
    }

    /// Adds the call's request id to a header block (request, response or the gateway's own answer).
    static func addRequestID(_ requestID: String, to headers: inout HPACKHeaders) {
        headers.add(name: "x-request-id", value: requestID, indexing: .nonIndexable)
    }

    /// The fields a call reads from its request's header block, found in one pass: each `first(name:)` is a scan
    /// of the block with case-insensitive compares. Names are lowercase (HTTP/2 requires it and NIO checks it on
    /// the client's connection; the HTTP/1.1 bridge lowercases them); the first of a repeated field counts.
    struct RequestFields {
        var method: String?
        var path: String?
        var contentType: String?
        var requestID: String?
        var authority: String?
        var host: String?
        var grpcTimeout: String?
        /// The block has a forwarding field (`HTTP1Translation.forwarding`).
        var forwarding = false

        init(_ headers: HPACKHeaders) {
            for (name, value, _) in headers {
                // Told apart by length first: a `switch` over strings compares a name with every case in turn, and
                // most names (`user-agent`, `accept`...) are none of them (~1.5k instructions per request).
                let count = name.utf8.count
                switch count {
                case 4 where name == "host": host = host ?? value
                case 5 where name == ":path": path = path ?? value
                case 7 where name == ":method": method = method ?? value
                case 10 where name == ":authority": authority = authority ?? value
                case 12:
                    switch name {
                    case "content-type": contentType = contentType ?? value
                    case "x-request-id": requestID = requestID ?? value
                    case "grpc-timeout": grpcTimeout = grpcTimeout ?? value
                    default: lookalike(name, count)
                    }
                case 9 where name == "forwarded", 9 where name == "x-real-ip", 15 where name == "x-forwarded-for",
                    16 where name == "x-forwarded-host" || name == "x-forwarded-port",
                    17 where name == "x-forwarded-proto":
                    forwarding = true
                default:
                    lookalike(name, count)
                }
            }
        }

        /// `x-client-ip`, `true-client-ip` and the other client-address fields, and `x_forwarded_for` and the like
        /// (ForwardingFieldName): dropped like the forwarding fields. Only names of those lengths (9 to 19 bytes) are
        /// looked at.
        private mutating func lookalike(_ name: String, _ count: Int) {
            guard !forwarding, count >= 9, count <= 19 else { return }
            if ForwardingFieldName.isClientAddress(name) || ForwardingFieldName.isLookalike(name) { forwarding = true }
        }
    }

    /// What a call reads from its replica's response head, found in one pass (three `first(name:)`/`contains(name:)`
    /// scans before, each comparing every name without regard to case). Names are told apart by length, then
    /// compared exactly, and only a name of the same length that differs is compared again without regard to case
    /// (as `first(name:)` did: an HTTP/1.1 client of the bridge gets the replica's `X-Request-Id`, not a second one).
    struct ResponseFields {
        var status: String?
        /// A second `:status` (malformed: `ReplicaResponseCheck`; the bridge took the last one, the proxy the first).
        var statusRepeated = false
        var hasRequestID = false
        var grpcStatus: String?

        init(_ headers: HPACKHeaders) {
            for (name, value, _) in headers {
                switch name.utf8.count {
                case 7 where Self.named(name, ":status"):
                    if status == nil { status = value } else { statusRepeated = true }
                case 11 where Self.named(name, "grpc-status"): grpcStatus = grpcStatus ?? value
                case 12 where Self.named(name, "x-request-id"): hasRequestID = true
                default: break
                }
            }
        }

        /// Whether `name` is `lowercase` in any case (ASCII letters only).
        static func named(_ name: String, _ lowercase: String) -> Bool {
            name == lowercase
                || name.utf8.elementsEqual(lowercase.utf8) { byte, expected in
                    (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) == expected
                }
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
    static func forwardedTrailers(_ frame: HTTP2Frame.FramePayload.Headers) -> HTTP2Frame.FramePayload.Headers? {
        guard frame.headers.contains(where: { !TrailerFilter.allows(name: $0.name) }) else { return nil }
        var kept = HPACKHeaders()
        for (name, value, indexing) in frame.headers where TrailerFilter.allows(name: name) {
            kept.add(name: name, value: value, indexing: indexing)
        }
        var filtered = frame
        filtered.headers = kept
        return filtered
    }
}
