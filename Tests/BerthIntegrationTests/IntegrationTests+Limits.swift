import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Resource limits through the real daemon: each is a clear error, the daemon keeps answering, nothing is
/// corrupted, and it recovers when the condition goes.
extension IntegrationTests {
    @Test("limits: berthd under ulimit -n 128 caps gateway clients, refuses spawns clearly, never runs out")
    func lowFileLimit() async throws {
        try await withProject("nofile") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  routes:
                    - { path: /, service: web }
                services:
                  web:
                    command: \(try Self.fixture())
                    replicas: 2
                    port: auto
                    ready: { http: /ready, interval: 100ms }
                """, to: project.manifestPath)
            let up = try await project.start(
                "/usr/bin/prlimit",
                ["--nofile=128:128", try Binaries.berth, "up", "-d", "-f", project.manifestPath, "--timeout", "20s"]
            ).wait(timeout: .seconds(40))
            #expect(up.exitCode == 0, "\(up)")
            let daemon = try await project.status().daemonPID
            let warning = try await project.berth(["logs", "-n", "50"])
            #expect(warning.stdout.contains("open files limit is 128"), "\(warning)")
            // "the gateway takes at most N client connections": N depends on what the daemon has open at start.
            let cap = try #require(
                warning.stdout.components(separatedBy: "the gateway takes at most ").dropFirst().first
                    .flatMap { Int($0.prefix { $0.isNumber }) }, "\(warning)")
            #expect((4..<30).contains(cap), "cap \(cap)")

            // 60 clients at once: `cap` are served, the rest are closed at accept; the daemon never fills its table.
            let answers = try await onThread { () -> [Int] in
                var connections: [TestHTTPConnection] = []
                for _ in 0..<60 {
                    if let connection = try? TestHTTPConnection(port: port, timeoutSeconds: 5) {
                        connections.append(connection)
                    }
                }
                // Status per connection, 0 when it was closed without an answer.
                return connections.map { connection in (try? connection.get("/ready"))?.status ?? 0 }
            }
            let served = answers.filter { $0 == 200 }.count
            #expect(served == cap && answers.count == 60 && answers.allSatisfy { $0 == 200 || $0 == 0 }, "\(answers)")
            #expect(ProcessScan.isAlive(daemon), "berthd survived a full gateway")
            #expect(try await project.status().replicas("web").allSatisfy(\.ready))

            // More replicas than descriptors: the extra ones fail with a clear reason, the daemon keeps answering.
            let scale = try await project.berth(["scale", "web=60", "--timeout", "10s"], timeout: .seconds(30))
            #expect(scale.exitCode != 0)
            #expect(scale.stderr.contains("too many open files to start a process"), "\(scale)")
            #expect(ProcessScan.isAlive(daemon))
            let back = try await project.berth(["scale", "web=2", "--timeout", "10s"], timeout: .seconds(30))
            #expect(back.exitCode == 0, "\(back)")
            let status = try await project.status().replicas("web")
            #expect(status.count == 2 && status.allSatisfy(\.ready), "\(status)")
            let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon)/fd").count
            #expect(fds < 128 - 16, "berthd holds \(fds) descriptors")
        }
    }

    @Test(
        "limits: no free port left in port_range -> a clear reason, the others serve, the replica starts once one frees"
    )
    func portRangeExhausted() async throws {
        try await withProject("ports") { project in
            // Three consecutive free ports; the test holds the middle one, as a foreign process would.
            var base = 0
            var holder: Int32 = -1
            for _ in 0..<50 {
                let candidate = Int.random(in: 40000...59000)
                guard let fd = listenOn(candidate + 1) else { continue }
                if portIsFree(candidate) && portIsFree(candidate + 2) {
                    base = candidate
                    holder = fd
                    break
                }
                close(fd)
            }
            try #require(base > 0, "no three free ports found")
            defer { if holder >= 0 { close(holder) } }
            try project.write(
                """
                name: \(project.name)
                port_range: \(base)-\(base + 2)
                services:
                  web:
                    command: \(try Self.fixture())
                    replicas: 3
                    port: auto
                    ready: { http: /ready, interval: 100ms }
                    restart: { backoff: { initial: 200ms, max: 200ms }, give_up: { restarts: 100, within: 60s } }
                """, to: project.manifestPath)
            let up = try await project.berth(
                ["up", "-d", "-f", project.manifestPath, "--timeout", "3s"], timeout: .seconds(30))
            #expect(up.exitCode != 0)
            #expect(up.stderr.contains("no free port in port_range \(base)-\(base + 2) for port: auto"), "\(up)")
            var replicas = try await project.status().replicas("web")
            let serving = replicas.filter(\.ready)
            #expect(serving.count == 2, "\(replicas)")
            #expect(Set(serving.compactMap(\.port)) == [base, base + 2], "\(replicas)")
            let waiting = try #require(replicas.first { !$0.ready })
            #expect(waiting.state == .backoff && waiting.reason?.contains("no free port") == true, "\(waiting)")

            // The port is freed: the next try takes it, without a command.
            close(holder)
            holder = -1
            replicas = try await eventually("the third replica on the freed port", timeout: .seconds(10)) {
                let replicas = try await project.status().replicas("web")
                return replicas.allSatisfy(\.ready) ? replicas : nil
            }
            #expect(Set(replicas.compactMap(\.port)) == [base, base + 1, base + 2])
        }
    }

    @Test(
        "limits: a full disk for the state directory -> status says so, the record stays whole, it recovers",
        .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func fullStateDirectory() async throws {
        try await withProject("diskfull") { project in
            try FileManager.default.createDirectory(atPath: project.stateDirectory, withIntermediateDirectories: true)
            let mount = try await project.start(
                "/bin/mount", ["-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", project.stateDirectory]
            ).wait(timeout: .seconds(10))
            try #require(mount.exitCode == 0, "\(mount)")
            defer { _ = umount2(project.stateDirectory, Int32(MNT_DETACH)) }
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--log-every", "50"))
                        replicas: 1
                    """, top: "log: { driver: file }\n")
            #expect(try await project.upDetached().exitCode == 0)
            let stateFile = project.stateDirectory + "/state.json"
            let before = try Data(contentsOf: URL(fileURLWithPath: stateFile))

            // Fill the disk, then change what the record holds.
            let filler = project.stateDirectory + "/filler"
            let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
            let chunk = [UInt8](repeating: 0x61, count: 4096)
            while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
            close(fd)
            let scale = try await project.berth(["scale", "web=2", "--timeout", "10s"], timeout: .seconds(20))
            #expect(scale.exitCode == 0, "the replicas run whatever the disk: \(scale)")
            let problems = try await eventually("the problem in berth status", timeout: .seconds(10)) {
                () -> [String]? in
                let problems = try await project.status().problems ?? []
                return problems.contains { $0.contains("state file") && $0.contains("No space left on device") }
                    && problems.contains { $0.contains("log lines could not be stored") } ? problems : nil
            }
            let table = try await project.berth(["status"])
            #expect(table.stdout.contains("problem: the state file"), "\(table) \(problems)")
            // The old record is still whole JSON (no truncated rename), and no temporary file is left.
            let kept = try Data(contentsOf: URL(fileURLWithPath: stateFile))
            #expect(kept == before)
            #expect(!FileManager.default.fileExists(atPath: stateFile + ".tmp"))
            // Log files hold whole lines only.
            let log = try String(contentsOfFile: project.stateDirectory + "/logs/web.0.log", encoding: .utf8)
            #expect(log.hasSuffix("\n"), "a partial line was left in the log file")

            // Space again: the record catches up within a couple of seconds and the problem goes.
            unlink(filler)
            try await eventually("the state file written again", timeout: .seconds(10)) { () -> Bool? in
                guard let data = FileManager.default.contents(atPath: stateFile),
                    let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let processes = record["processes"] as? [Any]
                else { return nil }
                return processes.count == 2 ? true : nil
            }
            let recovered = try await eventually("no problems", timeout: .seconds(70)) { () -> Bool? in
                try await (project.status().problems ?? []).contains { $0.contains("state file") } ? nil : true
            }
            #expect(recovered)
            #expect(try await project.berth(["down"]).exitCode == 0)
        }
    }

    private func listenOn(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private func portIsFree(_ port: Int) -> Bool {
        guard let fd = listenOn(port) else { return false }
        close(fd)
        return true
    }
}
