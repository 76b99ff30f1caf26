/// Hides a replica's secret values in its own output, as CI systems do: a line that prints `DB_PASSWORD`'s value
/// reaches the logs, `berth logs`, `berth up` and `last_stderr` with `(secret)` in its place.
///
/// Only values (or lines of multi-line values) of at least `minimumLength` characters are masked: masking `1` or
/// `yes` would garble every line. Lines are masked one at a time, so a value split across a 64 KiB line break is not.
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
}
