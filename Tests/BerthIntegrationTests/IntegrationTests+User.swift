import BerthControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `user:` with the real daemon running as root: every replica and its exec probes run as `nobody`, with nobody's
/// supplementary groups, HOME, USER and LOGNAME; a workdir nobody cannot enter is a clear start error.
extension IntegrationTests {
    @Test(
        "user: replicas and exec probes run as the user (checked in /proc); HOME/USER/LOGNAME follow it",
        .enabled(if: geteuid() == 0, "needs root: berthd switches users only as root"))
    func replicasRunAsTheirUser() async throws {
        try await withProject("user") { project in
            let nobody = try #require(getpwnam("nobody")?.pointee)
            let uid = nobody.pw_uid
            let gid = nobody.pw_gid
            let home = String(cString: nobody.pw_dir)
            let locked = project.root + "/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
            chmod(locked, 0o700)
            // sleep lives in /bin, which nobody can execute wherever the repository was cloned.
            try project.writeManifest(
                services: """
                      low:
                        command: ["/bin/sleep", "600"]
                        replicas: 2
                        user: nobody
                        workdir: /tmp
                        ready:
                          exec: ["/bin/sh", "-c", "test \\"$(id -u)\\" = \(uid) && test \\"$(id -g)\\" = \(gid) && test \\"$HOME\\" = \(home)"]
                          interval: 100ms
                      custom:
                        command: ["/bin/sleep", "600"]
                        user: nobody
                        group: nogroup
                        workdir: /tmp
                        env: { HOME: /srv/custom }
                      locked:
                        command: ["/bin/sleep", "600"]
                        user: nobody
                        workdir: \(locked)
                        restart: { policy: never }
                    """)
            let check = try await project.berth(["check", "-f", project.manifestPath])
            #expect(check.exitCode == 0, "\(check)")
            let up = try await project.berth(
                ["up", "-d", "-f", project.manifestPath, "--timeout", "10s"],
                timeout: .seconds(30))
            // `locked` never starts, so `up` reports it; the others are ready (their exec probe passed as nobody).
            #expect(up.output.contains("locked"), "\(up)")
            let status = try await project.waitForStatus("low ready, locked failed") { status in
                status.replicas("low").count == 2 && status.replicas("low").allSatisfy(\.ready)
                    && status.replicas("custom").first?.pid != nil
                    && status.replicas("locked").first?.state == .failed
            }
            let customPID = try #require(status.replicas("custom").first?.pid)
            let nogroup = try #require(getgrnam("nogroup")?.pointee.gr_gid)
            for replica in status.replicas("low") + status.replicas("custom") {
                let pid = try #require(replica.pid)
                let fields = try Self.procStatus(pid)
                let group = pid == customPID ? nogroup : gid
                // setuid/setgid as root set all four: real, effective, saved and filesystem ids.
                #expect(fields["Uid"] == Array(repeating: "\(uid)", count: 4), "\(fields)")
                #expect(fields["Gid"] == Array(repeating: "\(group)", count: 4), "\(fields)")
                let groups = Set(Self.groupList(of: "nobody", primary: group).map(String.init))
                #expect(Set(fields["Groups"] ?? ["missing"]) == groups, "the user's groups, not root's: \(fields)")
                let environment = try Self.procEnvironment(pid)
                #expect(environment["USER"] == "nobody" && environment["LOGNAME"] == "nobody", "\(environment)")
                #expect(environment["HOME"] == (pid == customPID ? "/srv/custom" : home), "\(environment)")
            }
            let reason = status.replicas("locked").first?.reason ?? ""
            #expect(reason.contains("chdir(\(locked)) as uid \(uid) failed: Permission denied"), "\(reason)")

            // Not root: `berth check` (as nobody, through setpriv) refuses a user: it could not switch to.
            let open = project.root + "/open"
            try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false)
            chmod(project.root, 0o755)
            chmod(open, 0o755)
            try FileManager.default.copyItem(atPath: try Binaries.berth, toPath: open + "/berth")
            try project.write(
                "name: x\nservices:\n  a:\n    command: sleep 1\n    user: daemon\n",
                to: open + "/berth.yaml")
            chmod(open + "/berth.yaml", 0o644)
            let asNobody = try await project.start(
                "/usr/bin/setpriv",
                [
                    "--reuid=nobody", "--regid=nogroup",
                    "--clear-groups", open + "/berth", "check", "-f", open + "/berth.yaml",
                ]
            ).wait(timeout: .seconds(15))
            #expect(asNobody.exitCode == 1, "\(asNobody)")
            #expect(
                asNobody.stderr.contains(
                    "berth.yaml:5:11: error: 'user: daemon' of service 'a' needs berthd to run "
                        + "as root; it would run as uid \(uid)"), "\(asNobody)")

            // An unknown user is a positioned manifest error at `berth check` time.
            try project.write(
                "name: x\nservices:\n  a:\n    command: sleep 1\n    user: berth-no-such-user\n",
                to: project.root + "/bad.yaml")
            let bad = try await project.berth(["check", "-f", project.root + "/bad.yaml"])
            #expect(bad.exitCode == 1, "\(bad)")
            #expect(
                bad.stderr.contains("bad.yaml:5:11: error: unknown user 'berth-no-such-user' on this machine"),
                "\(bad)")
        }
    }

    /// The value fields of `/proc/PID/status` lines, e.g. `Uid` -> [real, effective, saved, fs].
    static func procStatus(_ pid: Int32) throws -> [String: [String]] {
        let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        var fields: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let values = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            fields[String(line[..<colon])] = values.map(String.init)
        }
        return fields
    }

    static func procEnvironment(_ pid: Int32) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        var environment: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return environment
    }

    static func groupList(of user: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        guard getgrouplist(user, primary, &groups, &count) >= 0 else { return [primary] }
        return Array(groups.prefix(Int(count)))
    }
}
