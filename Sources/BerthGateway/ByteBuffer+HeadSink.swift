import BerthGatewayCore
import NIOCore

/// A `ByteBuffer` as a `HeadSink`: heads are rewritten straight into the buffer written to the socket. A wrapper
/// rather than a conformance of `ByteBuffer` itself, which would be public and retroactive.
struct ByteBufferHeadSink: HeadSink {
    var buffer: ByteBuffer

    @inline(__always)
    mutating func appendHeadByte(_ byte: UInt8) { buffer.writeInteger(byte) }

    @inline(__always)
    mutating func appendHeadBytes(_ bytes: UnsafeRawBufferPointer) { buffer.writeBytes(bytes) }

    @inline(__always)
    mutating func appendHeadString(_ string: String) { buffer.writeString(string) }
}
