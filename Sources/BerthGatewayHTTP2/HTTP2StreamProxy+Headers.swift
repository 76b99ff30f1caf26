import NIOHPACK

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
    static func upstreamHeaders(
        _ headers: HPACKHeaders, path: String, requestID: String, fields: RequestFields? = nil
    ) -> HPACKHeaders {
        if let fields, fields.path == path, fields.requestID == nil {
            var upstreamHeaders = headers
            addRequestID(requestID, to: &upstreamHeaders)
            return upstreamHeaders
        }
        var upstreamHeaders = HPACKHeaders()
        upstreamHeaders.reserveCapacity(headers.count + 1)
        for (name, value, indexing) in headers {
            switch name {
            case ":path": upstreamHeaders.add(name: name, value: path, indexing: indexing)
            case "x-request-id": continue
            default: upstreamHeaders.add(name: name, value: value, indexing: indexing)
            }
        }
        addRequestID(requestID, to: &upstreamHeaders)
        return upstreamHeaders
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

        init(_ headers: HPACKHeaders) {
            for (name, value, _) in headers {
                switch name {
                case ":method": method = method ?? value
                case ":path": path = path ?? value
                case ":authority": authority = authority ?? value
                case "content-type": contentType = contentType ?? value
                case "x-request-id": requestID = requestID ?? value
                case "host": host = host ?? value
                case "grpc-timeout": grpcTimeout = grpcTimeout ?? value
                default: continue
                }
            }
        }
    }
}
