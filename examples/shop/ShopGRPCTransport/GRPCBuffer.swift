import GRPCCore
import NIOCore

/// The bytes of one gRPC message as the transport received or will send them: a `ByteBuffer` slice, so a message
/// goes from the HTTP/2 DATA frame to the deserializer (and from the serializer to the frame) without a copy.
public struct GRPCBuffer: GRPCContiguousBytes, Hashable, Sendable {
    public var buffer: ByteBuffer

    public init(_ buffer: ByteBuffer) {
        self.buffer = buffer
    }

    public init(repeating byte: UInt8, count: Int) {
        buffer = ByteBuffer(repeating: byte, count: count)
    }

    public init<Bytes: Sequence>(_ sequence: Bytes) where Bytes.Element == UInt8 {
        buffer = ByteBuffer(bytes: sequence)
    }

    public var count: Int { buffer.readableBytes }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeReadableBytes(body)
    }

    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeMutableReadableBytes(body)
    }
}
