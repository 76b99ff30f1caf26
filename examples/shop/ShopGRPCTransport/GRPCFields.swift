import Foundation
import GRPCCore
import NIOHPACK

/// How gRPC's call metadata, status and request head are written as HTTP/2 fields (the gRPC-over-HTTP/2
/// protocol, PROTOCOL-HTTP2.md), both ways. Pure: the server and client handlers build and read their header blocks
/// only through these.
public enum GRPCFields {
    public static let contentType = "application/grpc"

    /// Metadata as grpc-swift's own transport hands it over: every field of the block, `-bin` values base64-decoded.
    public static func metadata(_ fields: HPACKHeaders, skipping skip: (String) -> Bool = { _ in false }) -> Metadata {
        var metadata = Metadata()
        metadata.reserveCapacity(fields.count)
        for field in fields where !skip(field.name) {
            if field.name.hasSuffix("-bin"), let bytes = decodeBase64(field.value) {
                metadata.addBinary(bytes, forKey: field.name)
            } else {
                metadata.addString(field.value, forKey: field.name)
            }
        }
        return metadata
    }

    /// A request head's metadata, and its `grpc-timeout` when the first one is valid: then taken out, so that
    /// grpc-swift's server does not keep the deadline itself (with a `Task.sleep` on libdispatch's timer threads);
    /// the transport keeps it (`ServerCall.expire`). A value that is not a valid timeout stays in the metadata,
    /// where grpc-swift ignores it.
    public static func requestMetadata(_ fields: HPACKHeaders) -> (metadata: Metadata, timeout: Duration?) {
        guard let value = fields.first(name: GRPCTimeout.key), let timeout = GRPCTimeout.decode(value) else {
            return (metadata(fields), nil)
        }
        return (metadata(fields, skipping: { $0 == GRPCTimeout.key }), timeout)
    }

    /// Adds `metadata` to `fields`: pseudo-fields and the fields the transport itself owns are left out.
    public static func add(_ metadata: Metadata, to fields: inout HPACKHeaders) {
        for entry in metadata {
            let key = entry.key
            guard !key.hasPrefix(":"), !transportOwned.contains(key) else { continue }
            switch entry.value {
            case .string(let value): fields.add(name: key, value: value)
            case .binary(let bytes): fields.add(name: key, value: Data(bytes).base64EncodedString())
            }
        }
    }

    /// Fields a peer's metadata must not set: this transport writes them from the call itself.
    static let transportOwned: Set<String> = [
        "content-type", "te", "grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding",
        "connection", "transfer-encoding", "keep-alive", "upgrade", "proxy-connection",
    ]

    // MARK: The server's side

    /// A request head that is not a gRPC call this server takes.
    public enum Refusal: Error, Equatable, Sendable {
        /// Not gRPC at all: HTTP 415, as grpc-swift answers.
        case unsupportedMediaType
        /// A `grpc-encoding` this transport does not take: `unimplemented`, with `grpc-accept-encoding: identity`.
        case unsupportedEncoding(String)
        /// Any other refusal, answered trailers-only.
        case status(Status.Code, String)
    }

    /// The method a request head calls, or why it is refused.
    public static func method(ofRequest fields: HPACKHeaders) -> Result<MethodDescriptor, Refusal> {
        guard let type = fields.first(name: "content-type"), isGRPC(contentType: type) else {
            return .failure(.unsupportedMediaType)
        }
        guard fields.first(name: ":method") == "POST" else {
            return .failure(.status(.invalidArgument, ":method must be POST"))
        }
        guard let path = fields.first(name: ":path") else {
            return .failure(.status(.invalidArgument, "no :path"))
        }
        if let encoding = fields.first(name: "grpc-encoding"), encoding != "identity" {
            return .failure(.unsupportedEncoding(encoding))
        }
        // "/package.Service/Method"
        let parts = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard path.hasPrefix("/"), parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty,
            let service = String(parts[1]), let method = String(parts[2])
        else {
            return .failure(.status(.unimplemented, "no method at path \(path)"))
        }
        return .success(MethodDescriptor(fullyQualifiedService: service, method: method))
    }

    /// `application/grpc`, alone or with a suffix (`+proto`) or parameters.
    public static func isGRPC(contentType value: String) -> Bool {
        guard value.hasPrefix(contentType) else { return false }
        let rest = value.utf8.dropFirst(contentType.utf8.count)
        return rest.first.map { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: ";") } ?? true
    }

    /// The response's first block: `:status 200`, the content type, the handler's metadata.
    public static func responseHead(_ metadata: Metadata) -> HPACKHeaders {
        var fields: HPACKHeaders = [":status": "200", "content-type": contentType]
        add(metadata, to: &fields)
        return fields
    }

    /// The response's last block; with `metadata` of a head never sent, a trailers-only response.
    public static func trailers(_ status: Status, _ metadata: Metadata, head: Metadata?) -> HPACKHeaders {
        var fields = HPACKHeaders()
        if let head {
            fields.add(name: ":status", value: "200")
            fields.add(name: "content-type", value: contentType)
            add(head, to: &fields)
        }
        fields.add(name: "grpc-status", value: String(status.code.rawValue))
        if !status.message.isEmpty {
            fields.add(name: "grpc-message", value: percentEncoded(status.message))
        }
        add(metadata, to: &fields)
        return fields
    }

    /// What a refused head is answered with (its stream ends with it).
    public static func refusal(_ refusal: Refusal) -> HPACKHeaders {
        switch refusal {
        case .unsupportedMediaType:
            return [":status": "415"]
        case .unsupportedEncoding(let encoding):
            var fields = trailers(
                Status(code: .unimplemented, message: "\(encoding) compression is not supported; identity only"), [:],
                head: [:])
            fields.add(name: "grpc-accept-encoding", value: "identity")
            return fields
        case .status(let code, let message):
            return trailers(Status(code: code, message: message), [:], head: [:])
        }
    }

    // MARK: The client's side

    /// A request head for `method` carrying `metadata` (which holds `grpc-timeout` when the call has a deadline).
    public static func requestHead(
        _ method: MethodDescriptor, authority: String, metadata: Metadata
    ) -> HPACKHeaders {
        var fields: HPACKHeaders = [
            ":method": "POST", ":scheme": "http", ":path": "/" + method.fullyQualifiedMethod,
            ":authority": authority, "content-type": contentType, "te": "trailers",
        ]
        add(metadata, to: &fields)
        return fields
    }

    /// What a response's first block says: a head to go on with, or the whole answer (trailers-only, a non-200
    /// status, or not gRPC).
    public enum ResponseHead: Equatable, Sendable {
        case head(Metadata)
        case final(Status, Metadata)
    }

    /// A response block's metadata: its fields but the pseudo-fields and the status, which the call carries apart.
    public static func responseMetadata(_ fields: HPACKHeaders) -> Metadata {
        metadata(fields, skipping: { $0.hasPrefix(":") || $0 == "grpc-status" || $0 == "grpc-message" })
    }

    public static func responseHead(_ fields: HPACKHeaders, endStream: Bool) -> ResponseHead {
        let metadata = responseMetadata(fields)
        guard let statusText = fields.first(name: ":status"), let http = Int(statusText) else {
            return .final(Status(code: .internalError, message: "the response has no :status"), metadata)
        }
        guard http == 200 else {
            return .final(Status(code: code(httpStatus: http), message: "HTTP status \(http)"), metadata)
        }
        guard let type = fields.first(name: "content-type"), isGRPC(contentType: type) else {
            return .final(Status(code: .internalError, message: "the response is not gRPC (content-type)"), metadata)
        }
        if endStream || fields.contains(name: "grpc-status") {
            return .final(status(ofTrailers: fields), metadata)
        }
        return .head(metadata)
    }

    /// The status a trailers block (or a trailers-only head) carries.
    public static func status(ofTrailers fields: HPACKHeaders) -> Status {
        guard let text = fields.first(name: "grpc-status"), let raw = Int(text), let code = Status.Code(rawValue: raw)
        else {
            return Status(code: .unknown, message: "the response ended without a valid grpc-status")
        }
        return Status(code: code, message: fields.first(name: "grpc-message").map(percentDecoded) ?? "")
    }

    /// gRPC's mapping of an HTTP status that is not 200 (doc/http-grpc-status-mapping.md).
    public static func code(httpStatus: Int) -> Status.Code {
        switch httpStatus {
        case 400: .internalError
        case 401: .unauthenticated
        case 403: .permissionDenied
        case 404: .unimplemented
        case 429, 502, 503, 504: .unavailable
        default: .unknown
        }
    }

    // MARK: Codecs

    /// `grpc-message`'s percent-encoding: bytes outside printable ASCII, and `%`, as `%XX`.
    public static func percentEncoded(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 < 0x20 || $0 > 0x7E || $0 == UInt8(ascii: "%") }) else { return text }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count * 3)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in utf8 {
            if byte < 0x20 || byte > 0x7E || byte == UInt8(ascii: "%") {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func percentDecoded(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Base64 with or without padding, as gRPC allows for `-bin` values.
    static func decodeBase64(_ text: String) -> [UInt8]? {
        var padded = text
        let remainder = text.utf8.count % 4
        if remainder == 2 { padded += "==" } else if remainder == 3 { padded += "=" }
        return Data(base64Encoded: padded).map { Array($0) }
    }
}
