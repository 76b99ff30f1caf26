/// What a `Health/Check` call got back, gathered from its HEADERS and DATA frames, and the verdict on it: SERVING
/// passes; everything else fails with words fit for `berth status`. Pure, so every answer a health server (or a
/// server that is not one) can give is unit-tested without a socket.
public struct GRPCHealthAnswer: Equatable, Sendable {
    /// `:status` of the response headers.
    public var httpStatus: String?
    public var contentType: String?
    /// `grpc-status` (from the trailers, or a trailers-only response).
    public var grpcStatus: String?
    public var grpcMessage: String?
    /// The DATA frames' bytes, concatenated.
    public var body: [UInt8] = []

    public init(
        httpStatus: String? = nil, contentType: String? = nil, grpcStatus: String? = nil, grpcMessage: String? = nil,
        body: [UInt8] = []
    ) {
        self.httpStatus = httpStatus
        self.contentType = contentType
        self.grpcStatus = grpcStatus
        self.grpcMessage = grpcMessage
        self.body = body
    }

    /// The probe's verdict for a check of `service` (nil: the server's overall status).
    public func outcome(service: String?) -> ProbeOutcome {
        guard let httpStatus else { return .failure("not a gRPC answer: no :status") }
        guard httpStatus == "200" else { return .failure("not a gRPC answer: HTTP \(httpStatus)") }
        guard let contentType, contentType.lowercased().hasPrefix("application/grpc") else {
            return .failure("not a gRPC answer: content-type '\(contentType ?? "")'")
        }
        guard let grpcStatus else { return .failure("not a gRPC answer: no grpc-status") }
        guard let code = Int(grpcStatus) else {
            return .failure("not a gRPC answer: grpc-status '\(grpcStatus)'")
        }
        switch code {
        case 0: break
        case 5: return .failure(Self.unknown(service))
        case 12: return .failure("the server does not implement grpc.health.v1.Health")
        default:
            let name = Self.codeNames[code].map { "\($0) (\(code))" } ?? "\(code)"
            let message = grpcMessage.map { ": \(Self.percentDecoded($0))" } ?? ""
            return .failure("gRPC status \(name)\(message)")
        }
        let status: GRPCHealthMessages.ServingStatus
        do {
            status = try GRPCHealthMessages.status(ofResponse: try GRPCHealthMessages.unframe(body))
        } catch .compressed {
            return .failure("malformed health response: compressed without being asked to")
        } catch {
            return .failure("malformed health response")
        }
        switch status {
        case .serving: return .success
        case .notServing: return .failure("NOT_SERVING")
        case .serviceUnknown: return .failure(Self.unknown(service))
        case .unknown: return .failure("status UNKNOWN")
        case .other(let value): return .failure("unknown serving status \(value)")
        }
    }

    private static func unknown(_ service: String?) -> String {
        guard let service, !service.isEmpty else { return "the health server has no overall status ('' service)" }
        return "service '\(service)' unknown to the health server"
    }

    /// grpc-message is percent-encoded (gRPC over HTTP/2, "Responses").
    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8.removeFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let codeNames: [Int: String] = [
        1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
        6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION", 10: "ABORTED",
        11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE", 15: "DATA_LOSS",
        16: "UNAUTHENTICATED",
    ]
}
