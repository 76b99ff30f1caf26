/// The two protobuf messages of grpc.health.v1 and gRPC's length-prefixed framing, encoded and decoded by hand: a
/// probe needs one string field out and one enum field back, which does not justify a protobuf runtime. Pure.
public enum GRPCHealthMessages {
    /// `HealthCheckResponse.ServingStatus`.
    public enum ServingStatus: Equatable, Sendable {
        case unknown
        case serving
        case notServing
        case serviceUnknown
        /// A value this version of the protocol does not name.
        case other(UInt64)

        init(_ value: UInt64) {
            switch value {
            case 0: self = .unknown
            case 1: self = .serving
            case 2: self = .notServing
            case 3: self = .serviceUnknown
            default: self = .other(value)
            }
        }
    }

    /// Why a response body could not be read.
    public enum DecodingError: Error, Equatable, Sendable {
        case truncated
        case compressed
        case trailingBytes
        case unsupportedWireType(UInt64)
    }

    /// `HealthCheckRequest { string service = 1; }`, serialized (empty for the server's overall status).
    public static func request(service: String) -> [UInt8] {
        let name = Array(service.utf8)
        guard !name.isEmpty else { return [] }
        return [0x0A] + varint(UInt64(name.count)) + name
    }

    /// `message` in gRPC's framing: a zero (uncompressed) flag byte, a 4-byte big-endian length, the message.
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        let length = UInt32(message.count)
        return [
            0, UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8),
            UInt8(truncatingIfNeeded: length),
        ] + message
    }

    /// The one message of a unary response body (its DATA frames, concatenated).
    public static func unframe(_ body: [UInt8]) throws(DecodingError) -> ArraySlice<UInt8> {
        guard body.count >= 5 else { throw .truncated }
        guard body[0] == 0 else { throw .compressed }
        let length = body[1...4].reduce(0) { $0 << 8 | Int($1) }
        guard body.count >= 5 + length else { throw .truncated }
        guard body.count == 5 + length else { throw .trailingBytes }
        return body[5...]
    }

    /// `HealthCheckResponse { ServingStatus status = 1; }`: the status field (UNKNOWN when absent, as proto3 says);
    /// fields it does not know are skipped.
    public static func status(ofResponse message: ArraySlice<UInt8>) throws(DecodingError) -> ServingStatus {
        var reader = message[...]
        var status: UInt64 = 0
        while !reader.isEmpty {
            let tag = try readVarint(&reader)
            switch tag & 7 {
            case 0:
                let value = try readVarint(&reader)
                if tag >> 3 == 1 { status = value }
            case 1: try skip(8, &reader)
            case 2:
                let length = try readVarint(&reader)
                try skip(Int(clamping: length), &reader)
            case 5: try skip(4, &reader)
            default: throw .unsupportedWireType(tag & 7)
            }
        }
        return ServingStatus(status)
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }

    private static func readVarint(_ reader: inout ArraySlice<UInt8>) throws(DecodingError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard let byte = reader.popFirst() else { throw .truncated }
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        throw .truncated  // more than 10 bytes: not a varint
    }

    private static func skip(_ count: Int, _ reader: inout ArraySlice<UInt8>) throws(DecodingError) {
        guard count >= 0, reader.count >= count else { throw .truncated }
        reader.removeFirst(count)
    }
}
