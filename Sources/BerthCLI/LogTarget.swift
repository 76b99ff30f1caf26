import BerthControlProtocol

/// The `SERVICE[.N]` argument of `berth logs`: a service, or one of its replicas.
struct LogTarget: Equatable {
    var service: String
    var replica: Int?

    /// What a `SERVICE[.N]` argument must be, for error messages.
    static let expected =
        "expected SERVICE or SERVICE.N (a service name has letters, digits, '_' and '-', starting with a letter or "
        + "digit; N is a replica number)"
}

extension LogTarget {
    /// "web" or "web.2"; a trailing number after the last dot is the replica index: ASCII digits only, at most
    /// `ReplicaIndexText.maximum` (as the control API reads it), so "web.+1" or "web.1000" is refused, not read as
    /// another replica or one that cannot exist.
    init?(_ text: String) {
        if let dot = text.lastIndex(of: "."), text[text.index(after: dot)...].isASCIIDigits {
            guard let replica = ReplicaIndexText.parse(text[text.index(after: dot)...]) else { return nil }
            self.service = String(text[..<dot])
            self.replica = replica
        } else {
            self.service = text
            self.replica = nil
        }
        guard ServiceName.isValid(service) else { return nil }
    }
}
