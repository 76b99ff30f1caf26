public import BerthSystem

/// A user of this machine as `/etc/passwd` (or NSS) describes it: what `user:` resolves to, and where a replica's
/// `HOME`, `USER` and `LOGNAME` come from.
public struct SystemAccount: Sendable, Codable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public var home: String

    public init(name: String, uid: UInt32, gid: UInt32, home: String) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.home = home
    }

    /// A user name, or a numeric uid that has a passwd entry; nil when there is none, or when the lookup itself
    /// fails (see `lookUp` for the failure).
    public static func user(_ nameOrUID: String) -> SystemAccount? {
        (try? lookUp(nameOrUID)) ?? nil
    }

    /// A user name, or a numeric uid that has a passwd entry; nil when there is none; throws when NSS fails.
    public static func lookUp(_ nameOrUID: String) throws(SystemError) -> SystemAccount? {
        try Accounts.user(nameOrUID).map { SystemAccount(name: $0.name, uid: $0.uid, gid: $0.gid, home: $0.home) }
    }

    /// The gid of a group name (or the number itself); nil when there is no such group, or when the lookup fails.
    public static func groupID(_ nameOrGID: String) -> UInt32? {
        (try? Accounts.groupID(nameOrGID)) ?? nil
    }
}
