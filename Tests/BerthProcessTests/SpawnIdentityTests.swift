import BerthProcess
import Glibc
import Testing

/// What a child changes in its setup (its user, its groups) must stay its own: a spawn that shares the daemon's memory
/// until exec (vfork, posix_spawn) and switched users with glibc's setuid would switch every thread of the daemon.
@Suite("A spawn changes the child's identity, never the daemon's")
struct SpawnIdentityTests {
    /// The `Uid:`, `Gid:` and `Groups:` lines of every thread of this process.
    private func credentialsOfEveryThread() throws -> [String] {
        let tasks = try #require(opendir("/proc/self/task"))
        defer { closedir(tasks) }
        var lines: [String] = []
        while let entry = readdir(tasks) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.first?.isNumber == true, let file = fopen("/proc/self/task/\(name)/status", "r") else {
                continue
            }
            defer { fclose(file) }
            var buffer = [CChar](repeating: 0, count: 512)
            while fgets(&buffer, Int32(buffer.count), file) != nil {
                let line = String(cString: buffer)
                if line.hasPrefix("Uid:") || line.hasPrefix("Gid:") || line.hasPrefix("Groups:") {
                    lines.append(line.trimmingSuffix())
                }
            }
        }
        return lines
    }

    /// glibc's setuid and setgroups change every thread of a process: only the child may become `nobody`.
    @Test(.enabled(if: geteuid() == 0, "needs root to switch users"))
    func switchingUsersLeavesTheDaemonsThreadsAsTheyWere() async throws {
        let before = Set(try credentialsOfEveryThread())
        let nobody = try #require(getpwnam("nobody")?.pointee.pw_uid)
        let (recorder, status) = try await run(request(["/usr/bin/id", "-u"], user: "nobody"))
        #expect(status.succeeded)
        #expect(recorder.texts.first == "\(nobody)")
        let (groupRecorder, groupStatus) = try await run(request(["/usr/bin/id", "-g"], group: "nogroup"))
        #expect(groupStatus.succeeded)
        #expect(groupRecorder.texts.first == "\(try #require(getgrnam("nogroup")?.pointee.gr_gid))")
        #expect(geteuid() == 0 && getuid() == 0 && getegid() == 0)
        #expect(Set(try credentialsOfEveryThread()) == before)
    }

    /// Spawns from many tasks at once: each child gets its own arguments and reports its own exit.
    @Test func concurrentSpawnsKeepTheirOwnArguments() async throws {
        try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for index in 0..<24 {
                group.addTask {
                    let (recorder, status) = try await run(request(["/bin/echo", "child \(index)"]))
                    #expect(status.succeeded)
                    return (index, recorder.texts)
                }
            }
            for try await (index, texts) in group {
                #expect(texts == ["child \(index)"])
            }
        }
    }

    /// The descriptor budget counts with one `stat` of /proc/self/fd: the count must follow what is opened. Other
    /// tests open and close descriptors in parallel (a burst of 20 spawns holds ~100 pipe ends for a moment; a
    /// clean-clone CI run saw 144 for the 200 opened here), so one round is not enough: up to five rounds, and one
    /// must land within 100-300. A count that did not follow (near 0, or double) misses in every round.
    @Test func openDescriptorsFollowsWhatIsOpened() throws {
        var growths: [Int] = []
        for _ in 0..<5 {
            let before = try #require(DescriptorBudget.openDescriptors())
            var opened: [Int32] = []
            defer { opened.forEach { close($0) } }
            for _ in 0..<100 {
                var fds: [Int32] = [-1, -1]
                try #require(pipe(&fds) == 0)
                opened += fds
            }
            let after = try #require(DescriptorBudget.openDescriptors())
            growths.append(after - before)
            if (100...300).contains(after - before) { break }
        }
        #expect(growths.contains { (100...300).contains($0) }, "descriptors added by 200 opened, per round: \(growths)")
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        var text = self
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
