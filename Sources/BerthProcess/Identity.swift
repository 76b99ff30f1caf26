import BerthSystem
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
            do {
                if let uid = UInt32(user) {
                    let entry = try Accounts.user(uid: uid)
                    return Account(uid: uid, gid: entry?.gid, name: entry?.name)
                }
                guard let entry = try Accounts.user(user) else { return nil }
                return Account(uid: entry.uid, gid: entry.gid, name: entry.name)
            } catch {
                throw .systemCall(error.call, errno: error.code)
            }
        }
    }

    private static func lookUpGroup(_ group: String) throws(SpawnError) -> gid_t? {
        do {
            return try Accounts.groupID(group)
        } catch {
            throw .systemCall(error.call, errno: error.code)
        }
    }

    private static func supplementaryGroups(of user: String, primary: gid_t) -> [gid_t] {
        Accounts.groups(of: user, primary: primary)
    }
}
