import NIOCore
import NIOHPACK

/// The gateway's HPACK decoder under the http2 fuzz target, beside NIOHPACK's as the reference: the input is a
/// series of header blocks (each prefixed by its length in one byte) read by both with one shared connection's state,
/// and each block must be refused by both or decoded by both to the same fields with the same indexing. Blocks that
/// decode to octets which are not UTF-8 end the comparison: NIOHPACK counts the repaired `String`'s bytes where the
/// gateway counts the octets sent (RFC 7541 4.1), so their tables may rightly part after one.
public enum HPACKDecoderFuzzCheck {
    /// Returns the disagreement, nil when there was none.
    public static func run(_ input: [UInt8]) -> String? {
        var own = HPACKFieldDecoder(maxHeaderListSize: 1024, maxTableSize: 256)
        var reference = HPACKDecoder(allocator: .init(), maxDynamicTableSize: 256, maxHeaderListSize: 1024)
        var index = 0
        while index < input.count {
            let end = min(input.count, index + 1 + Int(input[index]))
            var block = ByteBuffer(bytes: input[(index + 1)..<end])
            index = end
            let ours = Result { () throws(HPACKFieldDecoder.Failure) in try own.decode(block) }
            let theirs = Result { try reference.decodeHeaders(from: &block) }
            switch (ours, theirs) {
            case (.success(let ours), .success(let theirs)):
                // Octets that are not UTF-8 are compared as NIOHPACK's `String`s have them (U+FFFD).
                let describe = { (name: String, value: String, indexing: HPACKIndexing) in
                    "\(name): \(value) \(indexing)"
                }
                let fields = ours.map { describe($0.name, $0.value, $0.indexing) }
                guard fields == theirs.map({ describe($0.name, $0.value, $0.indexable) }) else {
                    return "decoded \(fields), NIOHPACK \(theirs)"
                }
                if fields.contains(where: { $0.contains("\u{fffd}") }) { return nil }
            case (.failure(let error), .failure):
                if error.description.isEmpty { return "a failure without a description" }
                return nil
            case (.success(let ours), .failure(let error)):
                // NIOHPACK counts U+FFFD's three bytes against the list size: it may refuse what fits in octets.
                if ours.contains(where: { $0.value.contains("\u{fffd}") || $0.name.contains("\u{fffd}") }) {
                    return nil
                }
                return "decoded \(ours) where NIOHPACK refused: \(error)"
            case (.failure(let error), .success(let theirs)):
                return "refused (\(error)) what NIOHPACK decoded: \(theirs)"
            }
        }
        return nil
    }
}
