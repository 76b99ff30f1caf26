extension String {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> Substring {
        Substring(self).trimmingSpaces()
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
