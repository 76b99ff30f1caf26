#if canImport(Glibc)
import Glibc
#endif

/// A user of this machine as `/etc/passwd` (or NSS) describes it: what `user:` resolves to, and where a replica's
/// `HOME`, `USER` and `LOGNAME` come from.
public struct SystemAccount: Sendable, Equatable {
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

    /// A user name, or a numeric uid that has a passwd entry; nil when there is none.
    public static func user(_ nameOrUID: String) -> SystemAccount? {
        if let uid = UInt32(nameOrUID) {
            return lookUp { getpwuid_r(uid, &$0, $1, $2, &$3) }
        }
        return lookUp { getpwnam_r(nameOrUID, &$0, $1, $2, &$3) }
    }

    /// The gid of a group name (or the number itself); nil when there is no such group.
    public static func groupID(_ nameOrGID: String) -> UInt32? {
        if let gid = UInt32(nameOrGID) { return gid }
        var size = 4096
        while true {
            var entry = group()
            var result: UnsafeMutablePointer<group>?
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let code = getgrnam_r(nameOrGID, &entry, buffer, size, &result)
            if code == ERANGE, size < 1 << 20 {
                size *= 2
                continue
            }
            return result == nil ? nil : entry.gr_gid
        }
    }

    private static func lookUp(
        _ call: (inout passwd, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<passwd>?) -> Int32
    ) -> SystemAccount? {
        var size = 4096
        while true {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let code = call(&entry, buffer, size, &result)
            if code == ERANGE, size < 1 << 20 {
                size *= 2
                continue
            }
            guard result != nil else { return nil }
            return SystemAccount(name: String(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid,
                home: String(cString: entry.pw_dir))
        }
    }
}
