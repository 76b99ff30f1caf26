#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The passwd and group lookups (getpwnam_r, getpwuid_r, getgrnam_r), written once: an unknown name is nil, a
/// failing NSS is a `SystemError`, and the buffer grows on ERANGE. The manifest (what `user:` resolves to) and the
/// spawner (the uid and gid a child switches to) both ask here, so they cannot disagree.
public enum Accounts {
    /// One passwd entry.
    public struct User: Sendable, Equatable {
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
    }

    /// The entry of a user name, or of a numeric uid; nil when there is none.
    public static func user(_ nameOrUID: String) throws(SystemError) -> User? {
        if let uid = UInt32(nameOrUID) { return try user(uid: uid) }
        return try lookUpUser("getpwnam_r") { getpwnam_r(nameOrUID, &$0, $1, $2, &$3) }
    }

    /// The entry of `uid`; nil when there is none.
    public static func user(uid: UInt32) throws(SystemError) -> User? {
        try lookUpUser("getpwuid_r") { getpwuid_r(uid, &$0, $1, $2, &$3) }
    }

    /// The gid of a group name (or the number itself); nil when there is no such group.
    public static func groupID(_ nameOrGID: String) throws(SystemError) -> UInt32? {
        if let gid = UInt32(nameOrGID) { return gid }
        return try withGrowingBuffer("getgrnam_r") { buffer, size in
            var entry = group()
            var result: UnsafeMutablePointer<group>?
            let code = getgrnam_r(nameOrGID, &entry, buffer, size, &result)
            return (code, result == nil ? nil : entry.gr_gid)
        }
    }

    /// The groups of `user` (getgrouplist), `primary` first; just `[primary]` when the list cannot be read.
    public static func groups(of user: String, primary: UInt32) -> [UInt32] {
        var count: Int32 = 32
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            var found = count
            if getgrouplist(user, primary, &groups, &found) >= 0 {
                return Array(groups.prefix(Int(found)))
            }
            guard found > count else { return [primary] }
            count = found
        }
    }

    private static func lookUpUser(
        _ name: String,
        _ call: (inout passwd, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<passwd>?) -> Int32
    ) throws(SystemError) -> User? {
        try withGrowingBuffer(name) { buffer, size in
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            let code = call(&entry, buffer, size, &result)
            guard result != nil else { return (code, nil) }
            let user = User(
                name: String(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid,
                home: String(cString: entry.pw_dir))
            return (code, user)
        }
    }

    /// Runs a `get*_r` call with a buffer that doubles on ERANGE (up to 1 MiB). Not found (0 with no result,
    /// ENOENT, ESRCH, EBADF, EPERM: what glibc returns for a missing entry) is nil; any other code throws.
    private static func withGrowingBuffer<T>(
        _ name: String, _ call: (UnsafeMutablePointer<CChar>, Int) -> (Int32, T?)
    ) throws(SystemError) -> T? {
        var size = 4096
        while true {
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let (code, found) = call(buffer, size)
            if code == ERANGE, size < 1 << 20 {
                size *= 2
                continue
            }
            if let found { return found }
            if code == 0 || code == ENOENT || code == ESRCH || code == EBADF || code == EPERM { return nil }
            throw SystemError(name, code: code)
        }
    }
}
