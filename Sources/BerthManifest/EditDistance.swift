/// "Did you mean ...?" suggestions for misspelled keys and names.
package enum EditDistance {
    package static func distance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.lowercased())
        let b = Array(rhs.lowercased())
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The closest candidate within a distance of about a third of the word (at least 2), ties broken by order.
    package static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let length = word.count
        let limit = max(2, length / 3)
        var best: (String, Int)?
        // The distance is at least the difference in length: most candidates are ruled out without the table.
        for candidate in candidates where abs(candidate.count - length) <= limit {
            let score = distance(word, candidate)
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
