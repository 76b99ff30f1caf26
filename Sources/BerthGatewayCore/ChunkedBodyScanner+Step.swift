extension ChunkedBodyScanner {
    /// Advances over one byte outside chunk data.
    mutating func step(_ byte: UInt8) throws(HTTPFramingError) {
        switch state {
        case .size, .sizeWhitespace, .extensionBeforeName, .extensionName, .extensionAfterName,
            .extensionBeforeValue, .extensionToken, .extensionQuoted, .extensionEscape, .extensionClosedQuote,
            .extensionAfterValue:
            if byte != ASCII.cr {
                lineBytes += 1
                if lineBytes > Self.maxSizeLineBytes { throw .badRequest("chunk-size line too long") }
            }
            try sizeLine(byte)
        case .sizeLF:
            guard byte == ASCII.lf else { throw .badRequest("bare CR in chunk-size line") }
            lineBytes = 0
            state = remaining == 0 ? .trailerLineStart : .data
        case .dataCR:
            guard byte == ASCII.cr else { throw .badRequest("missing CRLF after chunk data") }
            state = .dataLF
        case .dataLF:
            guard byte == ASCII.lf else { throw .badRequest("missing CRLF after chunk data") }
            sizeDigits = 0
            state = .size
        case .trailerLineStart, .trailerName, .trailerValue, .trailerLF:
            trailerBytes += 1
            if trailerBytes > limits.maxHeadBytes { throw .headTooLarge }
            try trailer(byte)
            if byte != ASCII.cr && byte != ASCII.lf { trailerLine.append(byte) }
        case .data, .finished:
            preconditionFailure("ChunkedBodyScanner.step called in state \(state)")
        }
    }

    /// chunk-size [ chunk-ext ] CRLF.
    private mutating func sizeLine(_ byte: UInt8) throws(HTTPFramingError) {
        switch state {
        case .size:
            if let digit = ASCII.hexValue(byte) {
                guard remaining <= (Int.max - digit) >> 4 else { throw .badRequest("chunk size too large") }
                remaining = remaining << 4 | digit
                sizeDigits += 1
                return
            }
            guard sizeDigits > 0 else { throw .badRequest("invalid chunk size") }
            try afterToken(byte, whitespace: .sizeWhitespace, equalsAllowed: false)
        case .sizeWhitespace:
            try whitespaceThen(byte, allowed: ASCII.semicolon, next: .extensionBeforeName)
        case .extensionBeforeName:
            guard ASCII.isWhitespace(byte) || ASCII.isTChar(byte) else { throw .badRequest("invalid chunk extension") }
            if !ASCII.isWhitespace(byte) { state = .extensionName }
        case .extensionName:
            if ASCII.isTChar(byte) { return }
            try afterToken(byte, whitespace: .extensionAfterName, equalsAllowed: true)
        case .extensionAfterName:
            if byte == ASCII.equals {
                state = .extensionBeforeValue
            } else {
                try whitespaceThen(byte, allowed: ASCII.semicolon, next: .extensionBeforeName)
            }
        case .extensionBeforeValue:
            if ASCII.isWhitespace(byte) { return }
            if byte == ASCII.quote {
                state = .extensionQuoted
            } else if ASCII.isTChar(byte) {
                state = .extensionToken
            } else {
                throw .badRequest("invalid chunk extension value")
            }
        case .extensionToken:
            if ASCII.isTChar(byte) { return }
            try afterToken(byte, whitespace: .extensionAfterValue, equalsAllowed: false)
        case .extensionQuoted:
            switch byte {
            case ASCII.quote: state = .extensionClosedQuote
            case ASCII.backslash: state = .extensionEscape
            case ASCII.tab, 0x20...0x7E, 0x80...0xFF: break
            default: throw .badRequest("invalid character in chunk extension")
            }
        case .extensionEscape:
            guard ASCII.isFieldValueByte(byte) else { throw .badRequest("invalid character in chunk extension") }
            state = .extensionQuoted
        case .extensionClosedQuote:
            try afterToken(byte, whitespace: .extensionAfterValue, equalsAllowed: false)
        case .extensionAfterValue:
            try whitespaceThen(byte, allowed: ASCII.semicolon, next: .extensionBeforeName)
        default:
            preconditionFailure("sizeLine in state \(state)")
        }
    }

    /// What may follow a size, a name or a value: CR, `;`, whitespace (then `;` or `=`), or `=` after a name.
    private mutating func afterToken(_ byte: UInt8, whitespace: State, equalsAllowed: Bool) throws(HTTPFramingError) {
        switch byte {
        case ASCII.cr: state = .sizeLF
        case ASCII.semicolon: state = .extensionBeforeName
        case ASCII.space, ASCII.tab: state = whitespace
        case ASCII.equals where equalsAllowed: state = .extensionBeforeValue
        default: throw .badRequest(sizeDigits > 0 && state == .size ? "invalid chunk size" : "invalid chunk extension")
        }
    }

    /// Bad whitespace: only more whitespace or `allowed` may follow.
    private mutating func whitespaceThen(_ byte: UInt8, allowed: UInt8, next: State) throws(HTTPFramingError) {
        if ASCII.isWhitespace(byte) { return }
        guard byte == allowed else { throw .badRequest("invalid whitespace in chunk-size line") }
        state = next
    }

    /// trailer-section CRLF: field lines like a head's, then an empty line.
    private mutating func trailer(_ byte: UInt8) throws(HTTPFramingError) {
        switch state {
        case .trailerLineStart:
            if byte == ASCII.cr {
                state = .trailerLF(emptyLine: true)
            } else if ASCII.isTChar(byte) {
                state = .trailerName
            } else {
                throw .badRequest(ASCII.isWhitespace(byte) ? "obs-fold in trailer" : "invalid trailer field")
            }
        case .trailerName:
            if ASCII.isTChar(byte) { return }
            guard byte == ASCII.colon else {
                throw .badRequest(ASCII.isWhitespace(byte) ? "whitespace before colon" : "invalid trailer field")
            }
            state = .trailerValue
        case .trailerValue:
            if byte == ASCII.cr {
                state = .trailerLF(emptyLine: false)
            } else if !ASCII.isFieldValueByte(byte) {
                throw .badRequest("control character in trailer value")
            }
        case .trailerLF(let emptyLine):
            guard byte == ASCII.lf else { throw .badRequest("bare CR in trailer") }
            if emptyLine {
                state = .finished
            } else {
                trailerFields += 1
                if trailerFields > limits.maxHeaderCount { throw .headTooLarge }
                if TrailerFilter.allows(line: trailerLine) {
                    keptTrailers += trailerLine
                    keptTrailers.append(ASCII.cr)
                    keptTrailers.append(ASCII.lf)
                }
                trailerLine.removeAll(keepingCapacity: true)
                state = .trailerLineStart
            }
        default:
            preconditionFailure("trailer in state \(state)")
        }
    }
}
