public import BerthManifest

/// Line and column (1-based, in Unicode scalars, as libyaml counts them) of a byte offset in a manifest, so that even
/// an encoding error or a YAML reader error is reported as `file:line:column`. Line breaks are YAML's: LF, CR LF,
/// a lone CR, NEL, LS and PS.
struct TextPosition: Equatable {
    var line = 1
    var column = 1

    /// The position of byte `offset` of `text`'s UTF-8 (the end if `offset` is past it), counted as libyaml's
    /// reader does: after a leading byte order mark.
    static func of(byteOffset offset: Int, in text: String) -> TextPosition {
        var position = TextPosition()
        var bytes = 0
        var previous: Unicode.Scalar?
        let scalars = text.unicodeScalars
        let start = scalars.first == "\u{FEFF}" ? scalars.index(after: scalars.startIndex) : scalars.startIndex
        for scalar in scalars[start...] {
            guard bytes < offset else { break }
            bytes += UTF8.width(scalar)
            position.advance(over: scalar, after: previous)
            previous = scalar
        }
        return position
    }

    /// The position of the first byte that does not belong to a valid UTF-8 sequence.
    static func ofFirstInvalidUTF8(in bytes: [UInt8]) -> TextPosition {
        var position = TextPosition()
        var previous: Unicode.Scalar?
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            position.advance(over: scalar, after: previous)
            previous = scalar
        }
        return position
    }

    private mutating func advance(over scalar: Unicode.Scalar, after previous: Unicode.Scalar?) {
        switch scalar {
        case "\n" where previous == "\r":
            break  // CR LF is one break, counted at the CR
        case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
            line += 1
            column = 1
        default:
            column += 1
        }
    }

    /// The text's lines as libyaml sees them (after a leading byte order mark, split at YAML's line breaks), so that
    /// a position inside a scalar can be checked against the source.
    static func lines(of text: String) -> [[Unicode.Scalar]] {
        var lines: [[Unicode.Scalar]] = [[]]
        var previous: Unicode.Scalar?
        let scalars = text.unicodeScalars
        let start = scalars.first == "\u{FEFF}" ? scalars.index(after: scalars.startIndex) : scalars.startIndex
        for scalar in scalars[start...] {
            switch scalar {
            case "\n" where previous == "\r":
                break
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                lines.append([])
            default:
                lines[lines.count - 1].append(scalar)
            }
            previous = scalar
        }
        return lines
    }
}
