import NIOCore

/// The gateway's own answers (400, 404, 408, 413, 414, 431, 501, 502, 503, 504, 505): a small JSON body naming the
/// request id, and `Connection: close` when the connection cannot be kept.
enum GatewayErrorResponse {
    static func reason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 431: "Request Header Fields Too Large"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Error"
        }
    }

    static func code(_ status: Int) -> String {
        switch status {
        case 400: "bad_request"
        case 404: "no_route"
        case 408: "request_timeout"
        case 413: "body_too_large"
        case 414: "uri_too_long"
        case 431: "headers_too_large"
        case 501: "not_implemented"
        case 502: "bad_gateway"
        case 503: "no_ready_replica"
        case 504: "upstream_timeout"
        case 505: "version_not_supported"
        default: "error"
        }
    }

    static func make(
        status: Int, message: String, requestID: String, close: Bool, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let body =
            "{\"error\":{\"code\":\"\(code(status))\",\"message\":\"\(jsonEscaped(message))\","
            + "\"request_id\":\"\(jsonEscaped(requestID))\"}}\n"
        var head = "HTTP/1.1 \(status) \(reason(status))\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        head += "X-Request-Id: \(requestID)\r\n"
        if status == 503 { head += "Retry-After: 1\r\n" }
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        var buffer = allocator.buffer(capacity: head.utf8.count + body.utf8.count)
        buffer.writeString(head)
        buffer.writeString(body)
        return buffer
    }

    private static func jsonEscaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20:
                result +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
