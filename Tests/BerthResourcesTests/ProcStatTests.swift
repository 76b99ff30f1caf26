import BerthResources
import Testing

/// `/proc/PID/stat` lines, odd command names included, and the usage arithmetic over a process table.
@Suite struct ProcStatTests {
    let line =
        "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 500 0 0 0 150 50 0 0 20 0 3 0 12345 1000000 2560 "
        + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"

    @Test func parsesAroundParenthesesAndSpaces() {
        #expect(
            ProcStat.parse(Substring(line))
                == ProcStat(pid: 4242, pgid: 4242, cpuTicks: 200, threads: 3, residentPages: 2560))
    }

    @Test func rejectsGarbage() {
        #expect(ProcStat.parse("") == nil)
        #expect(ProcStat.parse("12 (x) S 1") == nil)
        #expect(ProcStat.parse("x (y) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22") == nil)
    }

    @Test func sumsAProcessGroupAndComputesCPUPercent() {
        var meter = UsageMeter(ticksPerSecond: 100, pageSize: 4096)
        let start = ContinuousClock.now
        let target = UsageTarget(key: "web/0", pid: 10)
        func table(_ ticks: UInt64) -> [ProcStat] {
            [
                ProcStat(pid: 10, pgid: 10, cpuTicks: ticks, threads: 2, residentPages: 100),
                ProcStat(pid: 11, pgid: 10, cpuTicks: 50, threads: 1, residentPages: 10),
                ProcStat(pid: 20, pgid: 20, cpuTicks: 999, threads: 9, residentPages: 999),
            ]
        }
        let first = meter.measure(
            [target], processes: table(100), at: start, members: { _ in nil },
            openFiles: { $0 == 10 ? 5 : 3 })
        #expect(
            first["web/0"]
                == ReplicaUsage(
                    cpuSeconds: 1.5, cpuPercent: nil, residentBytes: 110 * 4096,
                    openFiles: 8, threads: 3, processes: 2))
        // 50 more ticks (0.5 s) in 2 s: 25 % of a core.
        let second = meter.measure(
            [target], processes: table(150), at: start + .seconds(2), members: { _ in nil },
            openFiles: { _ in 1 })
        #expect(second["web/0"]?.cpuPercent == 25)
    }

    @Test func cgroupMembersReplaceTheGroup() {
        var meter = UsageMeter(ticksPerSecond: 100, pageSize: 1)
        let processes = [
            ProcStat(pid: 10, pgid: 10, cpuTicks: 0, threads: 1, residentPages: 1),
            // Left the group (setsid) but not the cgroup.
            ProcStat(pid: 30, pgid: 30, cpuTicks: 0, threads: 1, residentPages: 7),
        ]
        let usage = meter.measure(
            [UsageTarget(key: "k", pid: 10, cgroupProcs: "/cg")], processes: processes,
            at: .now, members: { _ in [10, 30] }, openFiles: { _ in 0 })
        #expect(usage["k"]?.residentBytes == 8)
        #expect(usage["k"]?.processes == 2)
    }

    @Test func aNewProcessStartsWithoutPercent() {
        var meter = UsageMeter(ticksPerSecond: 100, pageSize: 1)
        let start = ContinuousClock.now
        let stat = { (pid: Int32) in [ProcStat(pid: pid, pgid: pid, cpuTicks: 10, threads: 1, residentPages: 1)] }
        _ = meter.measure(
            [UsageTarget(key: "k", pid: 1)], processes: stat(1), at: start, members: { _ in nil },
            openFiles: { _ in 0 })
        let restarted = meter.measure(
            [UsageTarget(key: "k", pid: 2)], processes: stat(2), at: start + .seconds(1),
            members: { _ in nil }, openFiles: { _ in 0 })
        #expect(restarted["k"]?.cpuPercent == nil)
    }

    @Test func thisProcessIsInTheRealTable() throws {
        let me = getpidValue()
        let found = try #require(ProcScan.processes().first { $0.pid == me })
        #expect(found.threads >= 1)
        #expect(found.residentPages > 0)
        #expect(ProcScan.openFiles(me) >= 3)
    }
}

/// The byte parser the sampler uses agrees with the string one, and refuses what it refuses.
@Suite struct ProcStatBytesTests {
    @Test func bytesAndTextAgree() {
        let line =
            "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 500 0 0 0 150 50 0 0 20 0 3 0 12345 1000000 2560 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        #expect(ProcStat.parse(bytes: Array(line.utf8)[...]) == ProcStat.parse(Substring(line)))
        #expect(ProcStat.parse(bytes: Array(line.utf8)[...])?.cpuTicks == 200)
    }

    @Test func shortOrGarbageLines() {
        #expect(ProcStat.parse(bytes: Array("12 (x) S 1 2".utf8)[...]) == nil)
        #expect(
            ProcStat.parse(bytes: Array("x (y) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22".utf8)[...])
                == nil)
        #expect(ProcStat.parse(bytes: []) == nil)
    }

    @Test func everyRealStatParsesAlike() throws {
        let processes = ProcScan.processes()
        #expect(processes.count > 3)
        let me = try #require(processes.first { $0.pid == getpidValue() })
        #expect(me.residentPages > 0)
    }
}

@Suite struct UsageScheduleTests {
    @Test func stretchesToStayWithinTheBudget() {
        #expect(UsageSchedule.interval(base: .seconds(1), passCost: .milliseconds(2)) == .seconds(1))
        #expect(
            UsageSchedule.interval(base: .seconds(1), passCost: .milliseconds(25), budget: 0.01)
                == .milliseconds(2500))
        #expect(UsageSchedule.interval(base: .seconds(1), passCost: .milliseconds(20)) == .milliseconds(2500))
        #expect(UsageSchedule.interval(base: .seconds(1), passCost: .milliseconds(25), budget: 0.05) == .seconds(1))
    }

    @Test func quietPassesDoubleTheWaitUpToTenIntervals() {
        let waits = (0...6).map { UsageSchedule.interval(base: .seconds(1), passCost: .zero, quietPasses: $0) }
        #expect(waits == [1, 2, 4, 8, 10, 10, 10].map { Duration.seconds($0) })
        // The budget still wins when a pass is dear.
        #expect(
            UsageSchedule.interval(base: .seconds(1), passCost: .milliseconds(100), quietPasses: 1)
                == .milliseconds(12_500))
    }

    @Test func aPassIsQuietOnlyWhenNoFigureMoved() {
        let idle = ReplicaUsage(
            cpuSeconds: 0.5, cpuPercent: nil, residentBytes: 4096, openFiles: 3, threads: 1,
            processes: 1)
        var later = idle
        later.cpuPercent = 0
        #expect(UsageSchedule.isQuiet(previous: ["web/0": idle], current: ["web/0": later]))
        #expect(UsageSchedule.isQuiet(previous: [:], current: [:]))
        var busy = later
        busy.cpuSeconds = 0.51
        #expect(!UsageSchedule.isQuiet(previous: ["web/0": idle], current: ["web/0": busy]))
        var grown = later
        grown.residentBytes += 4096
        #expect(!UsageSchedule.isQuiet(previous: ["web/0": idle], current: ["web/0": grown]))
        #expect(!UsageSchedule.isQuiet(previous: ["web/0": idle], current: ["web/1": idle]))
        #expect(!UsageSchedule.isQuiet(previous: [:], current: ["web/0": idle]))
    }
}
