/// Which variables of berthd's environment a replica inherits (`env_inherit:`).
///
/// berthd's environment is the shell of whoever ran `berth up`: cloud credentials, tokens, proxies. Like systemd and
/// Compose, which pass nothing implicit, a replica gets only a small standard set that programs need to behave
/// (`standardNames`), plus the names the manifest lists, plus what `env:` sets and Berth's own variables. `true`
/// restores the old "everything" for a service that needs it. The variables a secret came from
/// (`Manifest.withheldVariables`) are never inherited, whatever this says.
public enum EnvInheritance: Sendable, Codable, Equatable {
    /// `env_inherit: true`: every variable (but the withheld ones).
    case everything
    /// The standard set plus these names and patterns (`*` any run of characters, `?` one); `false` and `[]` are
    /// the standard set alone.
    case standardAnd([String])

    /// What a replica inherits when nothing says otherwise: the search path, the locale and the time zone, so that
    /// programs find their tools and format text and times as the operator expects; `HOME`, `USER` and `LOGNAME`
    /// are the account's (berthd's own, or the `user:`'s, which replace them).
    public static let standardNames = ["PATH", "LANG", "LANGUAGE", "LC_*", "TZ", "HOME", "USER", "LOGNAME"]

    public static let standard = EnvInheritance.standardAnd([])

    /// Whether a variable named `name` passes.
    public func inherits(_ name: String) -> Bool {
        switch self {
        case .everything:
            return true
        case .standardAnd(let patterns):
            return (Self.standardNames + patterns).contains { Self.matches(pattern: $0, name: name) }
        }
    }

    /// A name, or a pattern of name characters with `*` and `?`: `AWS_*`, `HTTP?_PROXY`.
    public static func isValidPattern(_ pattern: String) -> Bool {
        guard let first = pattern.first, !first.isNumber else { return false }
        return pattern.allSatisfy {
            $0 == "*" || $0 == "?" || ($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_"))
        }
    }

    /// Shell-style matching of a whole name: `*` any run (also empty), `?` exactly one character.
    static func matches(pattern: String, name: String) -> Bool {
        let pattern = Array(pattern.utf8)
        let name = Array(name.utf8)
        var p = 0
        var n = 0
        var star: Int?
        var resume = 0
        while n < name.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == name[n] {
                p += 1
                n += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                resume = n
                p += 1
            } else if let star {
                // Let the last `*` take one more character and try again from there.
                p = star + 1
                resume += 1
                n = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
