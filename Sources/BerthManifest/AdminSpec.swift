/// The manifest's top-level `admin:` key: where `berthd` serves `/metrics` (and, later, its dashboard).
///
/// Off when absent. Loopback by default; any other address must set a bearer `token`, because the listener shows
/// what runs on the machine.
public struct AdminSpec: Sendable, Equatable {
    public var listen: ListenAddress
    /// Required in the `Authorization: Bearer` header of every request when set.
    public var token: String?
    /// Location of the `admin:` key.
    public var location: SourceLocation?

    public init(listen: ListenAddress, token: String? = nil, location: SourceLocation? = nil) {
        self.listen = listen
        self.token = token
        self.location = location
    }

    /// Whether `host` only accepts connections from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
