/// Prefix matching of request paths at segment boundaries, shared by routing and prefix stripping.
public enum PathPrefix {
    /// Whether `target`'s path (before `?` or `#`) is `prefix` or continues it with a new segment:
    /// `/api/users` matches `/api/users`, `/api/users/`, `/api/users/1` and `/api/users?x`, not `/api/usersx`.
    /// The prefix `/` matches every origin-form target.
    public static func matches(_ target: String, prefix: String) -> Bool {
        let path = target.utf8
        let pre = prefix.utf8
        guard path.starts(with: pre) else { return false }
        if pre.last == ASCII.slash { return true }
        let next = path.index(path.startIndex, offsetBy: pre.count)
        guard next < path.endIndex else { return true }
        let byte = path[next]
        return byte == ASCII.slash || byte == ASCII.question || byte == UInt8(ascii: "#")
    }

    /// `target` without `prefix`, keeping a leading `/` and the query: with prefix `/api/users`,
    /// `/api/users/1?x=1` becomes `/1?x=1` and `/api/users` becomes `/`. Unchanged when the prefix does not match.
    public static func strip(_ target: String, prefix: String) -> String {
        var trimmed = Substring(prefix)
        while trimmed.utf8.last == ASCII.slash { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty, matches(target, prefix: String(trimmed)) else { return target }
        let rest = target.utf8.dropFirst(trimmed.utf8.count)
        if rest.first == ASCII.slash { return String(Substring(rest)) }
        return "/" + String(Substring(rest))
    }
}
