extension String {
    /// The text without leading and trailing ASCII spaces, tabs and line breaks: what the small state files berthd
    /// reads back (build fingerprints, a schedule's last run) may end with. (`trimmingCharacters(in:)` is not in
    /// FoundationEssentials, the only Foundation berthd links.)
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
