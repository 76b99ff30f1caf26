import BerthProcess
import Foundation
import Logging
import Testing

@testable import BerthSupervisor

#if canImport(Glibc)
    import Glibc
#endif

/// `state.json` is a hint, not an order (issue 13, finding 6): only processes that still carry the old instance's
/// mark are killed, never pid 1 or group 1, and a file another user could have written is refused.
@Suite(.serialized, .timeLimit(.minutes(1))) struct LeftoverTests {
    static let instance = "0b6c1f3e-5d0a-4c4e-9b9e-3f1a2b3c4d5e"
    static let own = LeftoverPlan.Own(uid: 1000, pid: 500, group: 500)

    private func record(_ processes: [(Int32, UInt64?)], instance: String = instance) -> DaemonRecord {
        DaemonRecord(
            instanceID: instance, daemonPID: 400,
            processes: processes.map { .init(service: "web", replica: 0, pid: $0.0, startTime: $0.1) })
    }

    private func facts(marked: Bool, start: UInt64 = 77, group: Int32, uid: UInt32 = 1000) -> LeftoverPlan.Facts {
        .init(startTime: start, group: group, uid: uid, marked: marked)
    }

    @Test func pidOneAndGroupOneAreNeverTargets() {
        // Even if pid 1 looked like ours in every other respect.
        let plan = LeftoverPlan(record: record([(1, 77), (0, 77), (-1, 77)]), markedPIDs: [1], own: Self.own) { _ in
            self.facts(marked: true, group: 1, uid: 1000)
        }
        #expect(plan.targets.isEmpty)
        #expect(plan.spared[1]?.contains("never a replica") == true)
        // A marked process in group 1 (or in ours) is killed, its group is not.
        let grouped = LeftoverPlan(record: record([(4000, 77)]), markedPIDs: [4001], own: Self.own) { pid in
            self.facts(marked: true, group: pid == 4000 ? 1 : 500)
        }
        #expect(grouped.targets == [.process(4000), .process(4001)])
    }

    @Test func onlyProcessesCarryingTheMarkAreKilled() {
        let plan = LeftoverPlan(
            record: record([(4000, 77), (4100, 77), (4200, 99), (4300, 77)]), markedPIDs: [4400], own: Self.own
        ) { pid in
            switch pid {
            case 4000: self.facts(marked: true, group: 4000)
            case 4100: self.facts(marked: false, group: 4100)  // a foreign process with the recorded pid
            case 4200: self.facts(marked: true, start: 77, group: 4200)  // started at another time than recorded
            case 4300: self.facts(marked: true, group: 4300, uid: 0)  // not ours, and we are not root
            case 4400: self.facts(marked: true, group: 4000)  // a replica's child found by its mark
            default: nil
            }
        }
        #expect(plan.targets == [.process(4000), .group(4000), .process(4400)])
        #expect(plan.spared[4100]?.contains("BERTH_INSTANCE") == true)
        #expect(plan.spared[4200]?.contains("start time") == true)
        #expect(plan.spared[4300]?.contains("uid 0") == true)
        // Root's `user:` replicas run as other users: their uid does not spare them.
        let asRoot = LeftoverPlan(record: record([(4300, 77)]), markedPIDs: [], own: .init(uid: 0, pid: 1, group: 1)) {
            _ in self.facts(marked: true, group: 4300, uid: 65534)
        }
        #expect(asRoot.targets == [.process(4300), .group(4300)])
    }

    @Test func aMalformedInstanceIDIsNotSearchedFor() {
        #expect(LeftoverPlan.isPlausibleInstanceID(Self.instance))
        #expect(!LeftoverPlan.isPlausibleInstanceID(""))
        #expect(!LeftoverPlan.isPlausibleInstanceID("x\nBERTH_INSTANCE"))
        let plan = LeftoverPlan(record: record([(4000, 77)], instance: ""), markedPIDs: [], own: Self.own) { _ in
            self.facts(marked: true, group: 4000)
        }
        #expect(plan.targets.isEmpty)
    }

    /// The real thing: a state file naming pid 1 and a foreign `sleep` (with its true start time) signals neither.
    @Test func aForgedStateFileSignalsNothing() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sleeper = try spawnSleep()
        defer {
            kill(sleeper, SIGKILL)
            var status: Int32 = 0
            waitpid(sleeper, &status, 0)
        }
        let start = try #require(ProcessTable.startTime(of: sleeper))
        let forged = record([(1, ProcessTable.startTime(of: 1)), (sleeper, start)])
        try StateFile(path: directory + "/state.json").write(forged)
        let killed = try LeftoverCleaner.cleanUp(stateFile: directory + "/state.json", logger: Logger(label: "t"))
        #expect(killed.isEmpty)
        #expect(ProcessTable.isAlive(sleeper), "the foreign process lives on")
        #expect(!FileManager.default.fileExists(atPath: directory + "/state.json"), "the hint is consumed")
    }

    @Test func aStateFileOthersCouldWriteIsRefused() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/state.json"
        try StateFile(path: path).write(record([(4000, 77)]))
        chmod(path, 0o666)
        let loose = #expect(throws: StateFileError.self) {
            try LeftoverCleaner.cleanUp(stateFile: path, logger: Logger(label: "t"))
        }
        #expect(loose?.description.contains("writable by us alone") == true, "\(String(describing: loose))")
        unlink(path)
        symlink(directory + "/elsewhere.json", path)
        let link = #expect(throws: StateFileError.self) {
            try LeftoverCleaner.cleanUp(stateFile: path, logger: Logger(label: "t"))
        }
        #expect(link?.description.contains("symbolic link") == true, "\(String(describing: link))")
        if getuid() == 0 {
            unlink(path)
            try StateFile(path: path).write(record([(4000, 77)]))
            chown(path, 65534, 65534)
            let foreign = #expect(throws: StateFileError.self) {
                try LeftoverCleaner.cleanUp(stateFile: path, logger: Logger(label: "t"))
            }
            #expect(foreign?.description.contains("owned by uid 65534") == true)
        }
    }

    private func makeDirectory() throws -> String {
        var template = Array("/tmp/berth-leftover-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        return String(cString: made)
    }

    /// A `sleep 30` of our own, without the mark (posix_spawn: this test waits for it by pid).
    private func spawnSleep() throws -> Int32 {
        var pid: pid_t = 0
        let arguments = ["/bin/sleep", "30"]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let result = posix_spawn(&pid, arguments[0], nil, nil, argv, environ)
        guard result == 0 else { throw CocoaError(.executableLoad) }
        return pid
    }
}
