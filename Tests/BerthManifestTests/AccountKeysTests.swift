import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

/// `user:` and `group:` checked against this machine's accounts (`AccountCheck`), as `berth check`, `berth up`
/// and berthd load a manifest. `nobody` and `nogroup` exist on every Debian.
@Suite struct AccountKeysTests {
    func errors(_ yaml: String, _ accounts: AccountCheck) -> [Diagnostic] {
        do {
            _ = try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:], accounts: accounts)
            return []
        } catch {
            return error.errors
        }
    }

    let root = AccountCheck.runningAs(uid: 0, gid: 0)
    let alice = AccountCheck.runningAs(uid: 1000, gid: 1000)

    @Test func rootMaySwitchToAnyExistingUser() {
        #expect(errors("services:\n  a: { command: run, user: nobody, group: nogroup }\n", root).isEmpty)
        #expect(errors("services:\n  a: { command: run, user: \"65534\" }\n", root).isEmpty)
        #expect(errors("services:\n  a: { command: run, user: \"54321\", group: \"54321\" }\n", root).isEmpty)
    }

    @Test func unknownAccountsArePositioned() {
        let found = errors(
            "services:\n  a:\n    command: run\n    user: berth-no-such-user\n"
                + "    group: berth-no-such-group\n", root)
        #expect(
            found.map(\.message) == [
                "unknown user 'berth-no-such-user' on this machine (service 'a')",
                "unknown group 'berth-no-such-group' on this machine (service 'a')",
            ])
        #expect(found.map { "\($0.location!.line):\($0.location!.column)" } == ["4:11", "5:12"])
        #expect(found.first?.description.hasPrefix("/srv/shop/berth.yaml:4:11: error: ") == true)
        let numeric = errors("services:\n  a: { command: run, user: \"54321\" }\n", root)
        #expect(
            numeric.map(\.message) == [
                "uid 54321 of service 'a' has no passwd entry, so no primary group; "
                    + "set 'group:' too"
            ])
    }

    @Test func aDaemonThatIsNotRootCannotSwitch() {
        let user = errors("services:\n  a: { command: run, user: nobody }\n", alice)
        #expect(
            user.map(\.message) == [
                "'user: nobody' of service 'a' needs berthd to run as root; it would run as "
                    + "uid 1000, which cannot switch users (remove 'user:' or run berth as root)"
            ])
        #expect(user.first?.location?.line == 2)
        let group = errors("services:\n  a: { command: run, group: nogroup }\n", alice)
        #expect(
            group.map(\.message) == [
                "'group: nogroup' of service 'a' needs berthd to run as root; it would run "
                    + "as uid 1000, gid 1000, which cannot switch groups"
            ])
    }

    @Test func aDaemonMayKeepItsOwnIdentity() throws {
        let me = try #require(SystemAccount.user("nobody"))
        let asNobody = AccountCheck.runningAs(uid: me.uid, gid: me.gid)
        #expect(errors("services:\n  a: { command: run, user: nobody }\n", asNobody).isEmpty)
    }

    @Test func exportsSkipTheCheck() {
        #expect(errors("services:\n  a: { command: run, user: berth-no-such-user }\n", .skip).isEmpty)
    }

    @Test func systemAccountLookups() throws {
        let root = try #require(SystemAccount.user("root"))
        #expect(root.uid == 0 && root.gid == 0 && root.home == "/root" && root.name == "root")
        #expect(SystemAccount.user("0") == root)
        #expect(SystemAccount.user("berth-no-such-user") == nil)
        #expect(SystemAccount.groupID("root") == 0)
        #expect(SystemAccount.groupID("berth-no-such-group") == nil)
    }
}
