/// "Did you mean ...?" suggestions for misspelled keys and names.
package enum EditDistance {
    package static func distance(_ lhs: String, _ rhs: String) -> Int {
        distance(Array(lhs.lowercased().unicodeScalars), Array(rhs.lowercased().unicodeScalars))
    }

    /// Levenshtein distance over Unicode scalars (what a misspelled key differs by), two rows at a time.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The closest candidate within a distance of about a third of the word (at least 2), ties broken by order.
    package static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let scalars = Array(word.lowercased().unicodeScalars)
        let limit = max(2, scalars.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased().unicodeScalars)
            // The distance is at least the difference in length: most candidates are ruled out without the table.
            guard abs(other.count - scalars.count) <= limit else { continue }
            let score = distance(scalars, other)
            if score <= limit, score < (best?.1 ?? Int.max) {
                best = (candidate, score)
            }
        }
        return best?.0
    }

    /// `; did you mean 'X'?` or nothing.
    package static func hint(for word: String, among candidates: some Sequence<String>) -> String {
        suggestion(for: word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}
