/// Where a rewritten head is written: the gateway writes straight into the `ByteBuffer` that goes to the socket (no
/// staging `[UInt8]`, no second copy: that round trip was a tenth of a request's instructions in the profile);
/// tests and the fuzz target write into a `[UInt8]`.
public protocol HeadSink {
    mutating func appendHeadByte(_ byte: UInt8)
    mutating func appendHeadBytes(_ bytes: UnsafeRawBufferPointer)
    mutating func appendHeadString(_ string: String)
}

extension HeadSink {
    public mutating func appendHeadString(_ string: String) {
        var string = string
        string.withUTF8 { appendHeadBytes(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    mutating func appendHeadString(_ string: StaticString) {
        appendHeadBytes(UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }

    /// A non-negative integer in decimal, without going through `String`.
    public mutating func appendHeadDecimal(_ value: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { storage in
            var value = value.magnitude
            var start = storage.count
            repeat {
                start -= 1
                storage[start] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0
            appendHeadBytes(UnsafeRawBufferPointer(rebasing: storage[start...]))
        }
    }

    @inline(__always)
    mutating func appendCRLF() {
        appendHeadByte(ASCII.cr)
        appendHeadByte(ASCII.lf)
    }
}

extension Array: HeadSink where Element == UInt8 {
    public mutating func appendHeadByte(_ byte: UInt8) { append(byte) }
    public mutating func appendHeadBytes(_ bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
}
