import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon under resource limits (see also Tests/chaos, scenario g): a clear error, no busy loop, and recovery
/// once the condition goes.
extension IntegrationTests {
    /// utime + stime of `pid` in seconds (/proc/PID/stat fields 14 and 15).
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test(
        "out of descriptors: 200 idle clients under ulimit -n 128 neither exhaust nor spin berthd, it serves again",
        .enabled(if: access("/usr/bin/prlimit", X_OK) == 0, "needs prlimit (util-linux)"))
    func outOfDescriptors() async throws {
        try await withProject("nofile") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                log: { driver: file }
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  header_timeout: 60s
                  routes:
                    - { path: /, service: web }
                services:
                  web:
                    command: \(try Self.fixture())
                    port: auto
                    ready: { http: /healthz, interval: 200ms }
                """, to: project.manifestPath)
            // The limit is inherited by the daemon that `berth up -d` starts.
            let up = try project.start(
                "/usr/bin/prlimit", ["--nofile=128:128", try Binaries.berth, "up", "-d", "-f", project.manifestPath])
            #expect(await up.wait(timeout: .seconds(40)).exitCode == 0)
            let daemon = try await project.status().daemonPID

            // 200 idle connections: the gateway takes what its descriptor budget allows and closes the rest at
            // accept, so the daemon never runs out (a full table would abort it in libdispatch), never spins, and
            // keeps answering its control API meanwhile.
            let (cpu, fdsMeanwhile) = try await onThread { () throws -> (Double, Int32) in
                var hogs: [TestHTTPConnection] = []
                for _ in 0..<200 { hogs.append(try TestHTTPConnection(port: port)) }
                usleep(500_000)
                let before = Self.cpuSeconds(daemon) ?? 0
                usleep(1_500_000)
                let used = (Self.cpuSeconds(daemon) ?? 0) - before
                let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon)/fd").count) ?? 0
                hogs.removeAll()
                return (used, Int32(fds))
            }
            #expect(cpu < 0.3, "the daemon used \(cpu) s of CPU in 1.5 s with its gateway full")
            #expect(fdsMeanwhile < 128 - 8, "berthd held \(fdsMeanwhile) of 128 descriptors")
            #expect(ProcessScan.isAlive(daemon))

            // Once the connections are gone it answers again: the control API and the gateway.
            _ = try await project.waitForStatus("the daemon answers again", timeout: .seconds(10)) { _ in true }
            let status = try await onThread { try TestHTTPConnection(port: port).get("/").status }
            #expect(status == 200)
        }
    }
}
