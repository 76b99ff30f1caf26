/// Hides a replica's secret values in its own output, as CI systems do: a line that prints `DB_PASSWORD`'s value
/// reaches the logs, `berth logs`, `berth up` and `last_stderr` with `(secret)` in its place.
///
/// Only values (or lines of multi-line values) of at least `minimumLength` characters are masked: masking `1` or
/// `yes` would garble every line. Lines are masked one at a time; a line longer than 64 KiB comes in pieces, and
/// `Carry` moves the start of a value from the end of one piece to the next, so a value across the cut is masked too.
struct SecretMask: Sendable, Equatable {
    static let minimumLength = 4
    static let placeholder = "(secret)"

    /// Longest first, so that a value containing another is replaced whole.
    private(set) var values: [String]

    init(_ secrets: some Sequence<String>) {
        let pieces = secrets.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
        values = Set(pieces.filter { $0.count >= Self.minimumLength }).sorted {
            $0.count != $1.count ? $0.count > $1.count : $0 < $1
        }
    }

    var isEmpty: Bool { values.isEmpty }

    func apply(_ line: String) -> String {
        var line = line
        for value in values where line.contains(value) {
            line = line.replacing(value, with: Self.placeholder)
        }
        return line
    }

    /// How many characters at the end of `text` are the start (not the whole) of a secret value.
    func unfinishedValueLength(at text: String) -> Int {
        guard let longest = values.first?.count, longest > 1 else { return 0 }
        let tail = Array(text.suffix(longest - 1))
        var best = 0
        for value in values {
            let characters = Array(value)
            var length = min(characters.count - 1, tail.count)
            while length > best {
                if tail.suffix(length).elementsEqual(characters.prefix(length)) {
                    best = length
                    break
                }
                length -= 1
            }
        }
        return best
    }

    /// One output stream's pieces in order. Found by the fourth outside audit (audit4): a replica that printed a
    /// secret across the 64 KiB cut of a long line had both halves stored in clear (`...hunter2-` + `secret...`).
    struct Carry: Sendable {
        private var held = ""

        init() {}

        /// The masked text to pass on for a piece (`continued`: more of the same line follows), or nil when all of
        /// it waits for the next piece. Nothing is lost: held characters come first in the next piece.
        mutating func pass(_ piece: String, continued: Bool, through mask: SecretMask) -> String? {
            var text = held + piece
            held = ""
            if continued {
                let unfinished = mask.unfinishedValueLength(at: text)
                if unfinished > 0 {
                    held = String(text.suffix(unfinished))
                    text.removeLast(unfinished)
                }
                if text.isEmpty { return nil }
            }
            return mask.apply(text)
        }
    }
}
