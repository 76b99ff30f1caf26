/// The manifest's top-level `admin:` key: where `berthd` serves `/metrics` (and, later, its dashboard).
///
/// Off when absent. Loopback by default; any other address must set a bearer `token`, because the listener shows
/// what runs on the machine. Without `token`, berthd generates one (see docs/dashboard.md): the listener always
/// authenticates.
public struct AdminSpec: Sendable, Codable, Equatable {
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

    /// Whether `host` only accepts connections from this machine: `localhost`, `::1` or an IPv4 literal in
    /// 127.0.0.0/8. A name such as `127.example.com` is not: its address is whatever its DNS says.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { octet in
                (1...3).contains(octet.count) && octet.allSatisfy { $0 >= "0" && $0 <= "9" }
                    && Int(octet).map { $0 <= 255 } == true
            }
    }
}
