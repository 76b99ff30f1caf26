/// An environment value that must reach the replica but nothing else: it prints, dumps and reflects as `(secret)`,
/// and two values compare by fingerprint, so that the text itself is needed only where it is handed to a process.
///
/// The fingerprint is a keyed hash (Swift's `Hasher`, seeded at random per process): it tells a changed secret from
/// an unchanged one within one daemon, and says nothing about the text to anyone who sees it.
public struct SecretValue: Sendable, Codable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// How every output surface shows a secret.
    public static let placeholder = "(secret)"

    private let text: String
    public let fingerprint: Int

    public init(_ text: String) {
        self.text = text
        var hasher = Hasher()
        hasher.combine("berth-secret")
        hasher.combine(text)
        fingerprint = hasher.finalize()
    }

    /// The text, for the one place that needs it: the environment of the process (and output masking).
    public var revealed: String { text }

    public var description: String { Self.placeholder }
    public var debugDescription: String { Self.placeholder }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.fingerprint == rhs.fingerprint }

    public func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }
}
