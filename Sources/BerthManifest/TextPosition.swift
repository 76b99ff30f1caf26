/// Line and column (1-based, in characters) of a byte offset in a manifest's bytes, so that even an encoding error
/// is reported as `file:line:column`.
struct TextPosition: Equatable {
    var line: Int
    var column: Int

    /// The position of the first byte that does not belong to a valid UTF-8 sequence (the end if there is none).
    static func ofFirstInvalidUTF8(in bytes: [UInt8]) -> TextPosition {
        var position = TextPosition(line: 1, column: 1)
        var index = 0
        while index < bytes.count {
            guard let length = validSequenceLength(bytes, at: index) else { break }
            if bytes[index] == UInt8(ascii: "\n") {
                position = TextPosition(line: position.line + 1, column: 1)
            } else {
                position.column += 1
            }
            index += length
        }
        return position
    }

    /// The length of the valid UTF-8 sequence starting at `index`, or nil if it is not one.
    private static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int? {
        let end = min(bytes.count, index + 4)
        for length in 1...4 where index + length <= end {
            if String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil { return length }
        }
        return nil
    }
}
