import BerthControlProtocol
import Testing

@testable import BerthCLI

/// The CPU and MEM columns of `berth status` and the `berth top` screen, as text.
struct UsageViewTests {
    func replica(_ index: Int, pid: Int32?, cpu: Double?, memory: Int?, limit: Int? = nil) -> ReplicaStatus {
        var replica = ReplicaStatus(
            index: index, pid: pid, port: nil, state: pid == nil ? .backoff : .running,
            ready: pid != nil, restarts: 0, uptimeSeconds: pid == nil ? nil : 5)
        replica.cpuPercent = cpu
        replica.memoryBytes = memory
        replica.memoryLimitBytes = limit
        if memory != nil {
            replica.openFiles = 7
            replica.threads = 2
            replica.processes = 1
        }
        return replica
    }

    var status: StatusResponse {
        StatusResponse(
            project: "shop", daemonPID: 1, manifest: "/m",
            services: [
                ServiceStatus(
                    name: "web", desired: 2,
                    replicas: [
                        replica(0, pid: 10, cpu: 12.5, memory: 43_200_000, limit: 512 << 20),
                        replica(1, pid: 11, cpu: nil, memory: 900_000, limit: 512 << 20),
                    ]),
                ServiceStatus(
                    name: "worker", desired: 1,
                    replicas: [
                        replica(0, pid: 20, cpu: 97.04, memory: 1_610_612_736),
                        replica(1, pid: nil, cpu: nil, memory: nil),
                    ]),
            ])
    }

    @Test func statusShowsCPUAndMemoryWhenSampled() {
        #expect(
            StatusTable.render(status) == """
                SERVICE  REPLICA  PID  PORT  STATE    READY  RESTARTS  UPTIME  CPU    MEM
                web      0        10   -     running  yes    0         5s      12.5%  41.2M/512M
                web      1        11   -     running  yes    0         5s      -      879K/512M
                worker   0        20   -     running  yes    0         5s      97.0%  1.5G
                worker   1        -    -     backoff  no     0         -       -      -

                """)
    }

    @Test func topSortsByCPUThenMemory() {
        #expect(
            TopView.render(status) == """
                shop: 3 running, CPU 109.5% of a core, memory 1.5G (sorted by cpu; q quits)

                SERVICE  REPLICA  PID  CPU    MEM    LIMIT  FDS  THREADS  PROCS  STATE
                worker   0        20   97.0%  1.5G   -      7    2        1      running
                web      0        10   12.5%  41.2M  512M   7    2        1      running
                web      1        11   -      879K   512M   7    2        1      running

                """)
        let byMemory = TopView.render(status, order: .mem, rows: 1)
        #expect(byMemory.split(separator: "\n").count == 3)
        #expect(byMemory.hasSuffix("worker   0        20   97.0%  1.5G  -      7    2        1      running\n"))
    }

    @Test func formats() {
        #expect(StatusTable.formatBytes(512) == "512B")
        #expect(StatusTable.formatBytes(1536) == "1.5K")
        #expect(StatusTable.formatBytes(300 << 20) == "300M")
        #expect(StatusTable.format2(0.5) == "0.5")
        #expect(StatusTable.format2(0.25) == "0.25")
        #expect(StatusTable.format2(0.05) == "0.05")
        #expect(StatusTable.format2(2) == "2")
    }

    @Test func topParsesItsOptions() throws {
        let top = try BerthCommand.parseAsRoot(["top", "--once", "--sort", "mem"]) as? BerthCommand.Top
        #expect(top?.once == true)
        #expect(top?.sort == .mem)
        #expect(throws: (any Error).self) { try BerthCommand.parseAsRoot(["top", "--sort", "disk"]) }
    }
}
