import Glibc

/// The uid, gid and supplementary groups a child switches to, resolved in the parent before forking (the child
/// cannot call getpwnam_r: it is not async-signal-safe).
struct Identity: Equatable {
    var uid: uid_t?
    var gid: gid_t
    var groups: [gid_t]

    /// nil when neither user nor group is given (the child keeps the daemon's identity).
    static func resolve(user: String?, group: String?) throws(SpawnError) -> Identity? {
        guard user != nil || group != nil else { return nil }
        let account: Account?
        if let user {
            guard let found = try Account.lookUp(user) else { throw .unknownUser(user) }
            account = found
        } else {
            account = nil
        }
        var gid: gid_t
        if let group {
            guard let found = try lookUpGroup(group) else { throw .unknownGroup(group) }
            gid = found
        } else if let account, let primary = account.gid {
            gid = primary
        } else {
            // A numeric uid without a passwd entry has no primary group: one must be given.
            throw .unknownUser(user ?? "")
        }
        guard let account else { return Identity(uid: nil, gid: gid, groups: [gid]) }
        var groups = [gid]
        if let name = account.name {
            groups = supplementaryGroups(of: name, primary: gid)
        }
        return Identity(uid: account.uid, gid: gid, groups: groups)
    }

    private struct Account {
        var uid: uid_t
        var gid: gid_t?
        var name: String?

        static func lookUp(_ user: String) throws(SpawnError) -> Account? {
            if let uid = UInt32(user) {
                let entry = try withPasswd { getpwuid_r(uid, &$0, $1, $2, &$3) }
                return Account(uid: uid, gid: entry?.gid, name: entry?.name)
            }
            guard let entry = try withPasswd({ getpwnam_r(user, &$0, $1, $2, &$3) }) else { return nil }
            return Account(uid: entry.uid, gid: entry.gid, name: entry.name)
        }

        private static func withPasswd(
            _ call: (inout passwd, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<passwd>?) -> Int32
        ) throws(SpawnError) -> (uid: uid_t, gid: gid_t, name: String)? {
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
                if code != 0, code != ENOENT, code != ESRCH {
                    throw .systemCall("getpwnam_r", errno: code)
                }
                guard result != nil else { return nil }
                return (entry.pw_uid, entry.pw_gid, String(cString: entry.pw_name))
            }
        }
    }

    private static func lookUpGroup(_ group: String) throws(SpawnError) -> gid_t? {
        if let gid = UInt32(group) { return gid }
        var size = 4096
        while true {
            var entry = Glibc.group()
            var result: UnsafeMutablePointer<Glibc.group>?
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let code = getgrnam_r(group, &entry, buffer, size, &result)
            if code == ERANGE, size < 1 << 20 {
                size *= 2
                continue
            }
            if code != 0, code != ENOENT, code != ESRCH {
                throw .systemCall("getgrnam_r", errno: code)
            }
            return result == nil ? nil : entry.gr_gid
        }
    }

    private static func supplementaryGroups(of user: String, primary: gid_t) -> [gid_t] {
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
}
