public import BerthManifest
import BerthSystem

extension ManifestBuilder {
    /// `user:` and `group:` against this machine's accounts (see `AccountCheck`): each must exist, and a daemon that
    /// is not root can only keep its own identity (it cannot switch to another user or group).
    func checkAccount(_ reader: MappingReader, service: String) {
        guard case .runningAs(let uid, let gid) = context.accounts else { return }
        let user = reader.string("user")
        let group = reader.string("group")
        // A control character is the service's error (`visibleString`); `getpwnam` would read up to a NUL only.
        if [user, group].contains(where: { $0.map { ControlCharacters.first(in: $0) != nil } ?? false }) { return }
        var targetUID: UInt32?
        var targetGID: UInt32?
        if let user {
            let found: SystemAccount?
            do {
                found = try SystemAccount.lookUp(user)
            } catch {
                context.error("cannot look up user '\(user)' (service '\(service)'): \(error)", at: reader["user"])
                return
            }
            if let account = found {
                targetUID = account.uid
                targetGID = account.gid
            } else if let number = UInt32(user) {
                targetUID = number
                if group == nil {
                    context.error(
                        "uid \(number) of service '\(service)' has no passwd entry, so no primary group; "
                            + "set 'group:' too", at: reader["user"])
                }
            } else {
                context.error("unknown user '\(user)' on this machine (service '\(service)')", at: reader["user"])
            }
        }
        if let group {
            let found: UInt32?
            do {
                found = try Accounts.groupID(group)
            } catch {
                context.error("cannot look up group '\(group)' (service '\(service)'): \(error)", at: reader["group"])
                return
            }
            if let found {
                targetGID = found
            } else {
                context.error("unknown group '\(group)' on this machine (service '\(service)')", at: reader["group"])
            }
        }
        guard uid != 0 else { return }
        if let user, let targetUID, targetUID != uid {
            context.error(
                "'user: \(user)' of service '\(service)' needs berthd to run as root; it would run as uid "
                    + "\(uid), which cannot switch users (remove 'user:' or run berth as root)", at: reader["user"])
        } else if let targetGID, targetGID != gid, group != nil || targetUID == uid {
            let name = group.map { "'group: \($0)'" } ?? "the primary group of '\(user ?? "")'"
            context.error(
                "\(name) of service '\(service)' needs berthd to run as root; it would run as uid \(uid), "
                    + "gid \(gid), which cannot switch groups", at: reader["group"] ?? reader["user"])
        }
    }
}
