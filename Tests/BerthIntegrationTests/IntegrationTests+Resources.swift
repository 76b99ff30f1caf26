import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Usage per replica and `limits:` through the real daemon, with real cgroups (these machines mount cgroup v1
/// controllers; the tests that need them run as root only).
extension IntegrationTests {
    static var cgroupsAvailable: Bool {
        getuid() == 0 && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/cgroup.procs")
            && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/cgroup.procs")
    }

    /// Python that touches `megabytes` MiB (so they are resident), says so, then spins or sleeps.
    static func hog(megabytes: Int, spin: Bool) -> String {
        python([
            "import time", "b = bytearray(b'x' * (\(megabytes) * 1024 * 1024))", "print('allocated', flush=True)",
            spin ? "while True: pass" : "time.sleep(60)",
        ])
    }

    /// `python3 -c` with these lines, as a YAML flow list (newlines escaped for YAML's double quotes).
    static func python(_ lines: [String]) -> String {
        yamlList(["python3", "-c", lines.joined(separator: "\\n")])
    }

    @Test("resources: usage in status, top and /metrics matches /proc for a replica that allocates and spins")
    func resourcesUsageMatchesProc() async throws {
        try await withProject("usage") { project in
            let adminPort = freePort()
            try project.writeManifest(
                services: """
                      hog:
                        command: \(Self.hog(megabytes: 64, spin: true))
                        limits: { open_files: 64, core: 0 }
                    """, top: "admin: { listen: 127.0.0.1:\(adminPort), token: test-token-0123456789 }\n")
            #expect(try await project.upDetached().exitCode == 0)
            let status = try await project.waitForStatus("a CPU figure for hog.0", timeout: .seconds(20)) {
                ($0.replicas("hog").first?.memoryBytes ?? 0) > 64 << 20 && $0.replicas("hog").first?.cpuPercent != nil
            }
            let replica = try #require(status.replicas("hog").first)
            let pid = try #require(replica.pid)
            let rss = try #require(Self.procStatusKilobytes(pid, "VmRSS")) * 1024
            let memory = try #require(replica.memoryBytes)
            #expect(abs(Double(memory - rss)) < 0.1 * Double(rss), "status \(memory) vs /proc \(rss)")
            #expect(replica.threads == 1)
            #expect(replica.processes == 1)
            let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
            #expect(abs((replica.openFiles ?? 0) - fds) <= 1, "\(String(describing: replica.openFiles)) vs \(fds)")
            // A busy loop on a shared machine: well above idle, at most one core.
            let cpu = try #require(replica.cpuPercent)
            #expect(cpu > 15 && cpu <= 110, "\(cpu)")
            // limits.open_files and limits.core as rlimits of the replica.
            let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
            #expect(
                limits.contains { _ in true }
                    && limits.split(separator: "\n").contains {
                        $0.hasPrefix("Max open files")
                            && $0.split(separator: " ", omittingEmptySubsequences: true)
                                .suffix(3).prefix(2) == ["64", "64"]
                    })
            #expect(
                limits.split(separator: "\n").contains {
                    $0.hasPrefix("Max core file size") && $0.split(separator: " ").suffix(3).prefix(2) == ["0", "0"]
                })

            let table = try await project.berth(["status"])
            #expect(table.stdout.contains("CPU") && table.stdout.contains("MEM"), "\(table)")
            let top = try await project.berth(["top", "--once"])
            #expect(top.exitCode == 0 && top.stdout.contains("hog") && top.stdout.contains("THREADS"), "\(top)")

            let text = try await onThread {
                try TestHTTPConnection(port: adminPort)
                    .get("/metrics", headers: ["Authorization": "Bearer test-token-0123456789"]).text
            }
            let samples = PrometheusSamples(text)
            let gauge = try #require(
                samples.value(#"berth_replica_resident_memory_bytes{service="hog",replica="0"}"#),
                "\(text)")
            #expect(gauge > Double(60 << 20))
            #expect((samples.value(#"berth_replica_cpu_seconds_total{service="hog",replica="0"}"#) ?? 0) > 0)
            #expect(samples.value(#"berth_replica_processes{service="hog",replica="0"}"#) == 1)
            #expect(samples.value(#"berth_replica_threads{service="hog",replica="0"}"#) == 1)
            #expect((samples.value(#"berth_replica_open_fds{service="hog",replica="0"}"#) ?? 0) >= 3)
        }
    }

    @Test("resources: a replica past limits.memory is OOM-killed and reported as oom", .enabled(if: cgroupsAvailable))
    func resourcesOOMIsNamed() async throws {
        try await withProject("oom") { project in
            let adminPort = freePort()
            try project.writeManifest(
                services: """
                      leak:
                        command: \(Self.hog(megabytes: 100, spin: false))
                        limits: { memory: 32M }
                        restart: { backoff: { initial: 5s, max: 5s } }
                    """, top: "admin: { listen: 127.0.0.1:\(adminPort), token: test-token-0123456789 }\n")
            #expect(try await project.upDetached().exitCode == 0)
            let status = try await project.waitForStatus("leak.0 OOM-killed", timeout: .seconds(20)) {
                $0.replicas("leak").first?.lastExit != nil
            }
            let replica = try #require(status.replicas("leak").first)
            #expect(replica.lastExit == "killed by the OOM killer (memory limit 32M)", "\(replica)")
            // Restarted as after a crash: the first restart of a replica that ran is immediate, then it backs off.
            #expect(replica.restarts >= 1 || replica.state == .backoff, "\(replica)")
            #expect(replica.memoryLimitBytes == 32 << 20)
            let text = try await onThread {
                try TestHTTPConnection(port: adminPort)
                    .get("/metrics", headers: ["Authorization": "Bearer test-token-0123456789"]).text
            }
            let ooms = PrometheusSamples(text).value(#"berth_exits_total{service="leak",cause="oom"}"#) ?? 0
            #expect(ooms >= 1, "\(text)")
            #expect(PrometheusSamples(text).value(#"berth_exits_total{service="leak",cause="signal"}"#) == nil)
            let logs = try await project.berth(["logs", "-n", "50"])
            #expect(logs.stdout.contains("killed by the OOM killer"), "\(logs)")
            let events = try await project.berth(["events", "-n", "20"], timeout: .seconds(3))
            #expect(events.stdout.contains("OOM killer"), "\(events)")
            // The cgroup of the exited process is gone: only the running one (if any) has a directory.
            let directory = "/sys/fs/cgroup/memory\(Self.ownCgroup("memory"))/berth/\(project.name)"
            let left = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            #expect(left.filter { !$0.contains(".") || $0.hasPrefix("leak.") }.count <= 1, "\(left)")
        }
    }

    @Test(
        "resources: limits.pids stops a fork bomb inside the replica; berthd keeps answering",
        .enabled(if: cgroupsAvailable))
    func resourcesPidsStopForkBomb() async throws {
        try await withProject("pids") { project in
            let bomb = Self.python([
                "import os, time", "n = 0", "for i in range(200):",
                "    try:", "        pid = os.fork()", "    except OSError as e:",
                "        print('fork failed after', n, ':', e, flush=True)", "        break",
                "    if pid == 0:", "        time.sleep(60)", "        os._exit(0)", "    n += 1",
                "time.sleep(60)",
            ])
            try project.writeManifest(
                services: """
                      bomb:
                        command: \(bomb)
                        limits: { pids: 20 }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let status = try await project.waitForStatus("a process count for bomb.0", timeout: .seconds(20)) {
                ($0.replicas("bomb").first?.processes ?? 0) >= 19
            }
            try await Task.sleep(for: .seconds(2))
            let later = try await project.status()
            let processes = try #require(later.replicas("bomb").first?.processes)
            #expect(processes <= 20, "\(processes)")
            #expect(status.replicas("bomb").first?.state == .running)
            let logs = try await project.berth(["logs", "bomb", "-n", "20"])
            #expect(
                logs.stdout.contains("fork failed after 19 : [Errno 11] Resource temporarily unavailable"),
                "\(logs)")
        }
    }

    @Test("resources: limits.cpu 0.2 holds a busy loop near 20 % of a core over 3 s", .enabled(if: cgroupsAvailable))
    func resourcesCPUQuotaHolds() async throws {
        try await withProject("cpu") { project in
            try project.writeManifest(
                services: """
                      spin:
                        command: ["sh", "-c", "while :; do :; done"]
                        limits: { cpu: 0.2 }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let pid = try await project.firstPID("spin")
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let before = try #require(Self.cpuTicks(pid))
            let start = ContinuousClock.now
            try await Task.sleep(for: .seconds(3))
            let used = Double(try #require(Self.cpuTicks(pid)) - before) / ticks
            let share = used / (ContinuousClock.now - start).secondsValue * 100
            #expect(share > 10 && share < 26, "busy loop used \(share) % of a core under cpu: 0.2")
        }
    }

    @Test("resources: berth check as a user who cannot make cgroups names each unenforced limit")
    func resourcesCheckWarnsAsNobody() async throws {
        try await withProject("unenforced") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: ["sleep", "60"]
                        limits: { memory: 64M, open_files: 100 }
                    """)
            chmod(project.root, 0o755)
            chmod(project.manifestPath, 0o644)
            let command = try project.start(
                "/usr/bin/setpriv",
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups",
                    try Binaries.berth, "check", "-f", project.manifestPath,
                ])
            let result = await command.wait(timeout: .seconds(15))
            #expect(result.exitCode == 0, "\(result)")
            #expect(
                result.stderr.contains(
                    "berth.yaml:5:15: warning: limits.memory of service 'web' is not enforced "
                        + "on this machine: berthd is not root, and only root can create cgroups"), "\(result)")
            #expect(!result.stderr.contains("open_files"), "rlimits need no cgroup: \(result)")
        }
    }

    /// This process's cgroup in a v1 hierarchy (berthd, started by the tests, is in the same one).
    static func ownCgroup(_ controller: String) -> String {
        let text = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2)
            if parts.count == 3, parts[1].split(separator: ",").contains(Substring(controller)) {
                return parts[2] == "/" ? "" : String(parts[2])
            }
        }
        return ""
    }

    static func procStatusKilobytes(_ pid: Int32, _ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        }
        return nil
    }

    static func cpuTicks(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }
}

extension Duration {
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension IntegrationTests {
    /// An HTTP server on $PORT that grows by `megabytes` MiB after `after` seconds, then serves on.
    static let growingServer = """
        import http.server, os, threading, time
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            def do_GET(self):
                body = str(os.getpid()).encode()
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        time.sleep(float(os.environ['GROW_AFTER']))
        grown = bytearray(b'x' * (int(os.environ['GROW_MB']) * 1024 * 1024))
        print('grown', flush=True)
        time.sleep(3600)

        """

    @Test("resources: a replica above memory_soft is replaced (surge, drain, stop) with no failed request")
    func resourcesMemorySoftReplacesWithoutFailures() async throws {
        try await withProject("soft") { project in
            let port = freePort()
            try project.write(Self.growingServer, to: project.root + "/grow.py")
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
                    command: ["python3", "grow.py"]
                    env: { GROW_AFTER: "2", GROW_MB: "80" }
                    replicas: 2
                    port: auto
                    ready: { http: /, interval: 100ms }
                    limits: { memory_soft: 50M }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status().replicas("web").compactMap(\.pid)
            // Load across the replacement: the first replica grows after 2 s, is replaced after 3 samples above.
            let started = ContinuousClock.now
            async let load = loadInBackground(port: port, path: "/", clients: 2, requests: 400)
            let replaced = try await project.waitForStatus("a replica replaced for memory_soft", timeout: .seconds(30))
            {
                let pids = $0.replicas("web").compactMap(\.pid)
                return pids.count == 2 && !Set(pids).isSubset(of: before) && $0.service("web")?.rollout == nil
                    && $0.replicas("web").allSatisfy(\.ready)
            }
            let results = await load
            let failed = results.filter { $0.status != 200 }
            #expect(failed.isEmpty, "\(failed.count) of \(results.count) failed: \(failed.prefix(3))")
            // The load spanned the swap: it reached the replaced process and its replacement.
            let after = Set(replaced.replicas("web").compactMap(\.pid))
            let gone = Set(before).subtracting(after).map(String.init)
            let new = after.subtracting(before).map(String.init)
            let reached = Set(results.map(\.body))
            #expect(!reached.isDisjoint(with: gone) && !reached.isDisjoint(with: new), "\(reached) \(gone) \(new)")
            // Only one replacement within the minute, although every replica grows past the limit.
            let generation = try #require(replaced.service("web")?.generation)
            #expect(generation == 2, "\(replaced)")
            let logs = try await project.berth(["logs", "web", "-n", "100"])
            #expect(logs.stdout.contains("above memory_soft 50M for 3 s: starting a replacement"), "\(logs)")
            // Within the minute, the replacement that grew in turn is not replaced again (said once).
            _ = try await eventually("the rate limit said", timeout: .seconds(15)) {
                let later = try await project.berth(["logs", "web", "-n", "100"])
                return later.stdout.contains("not replaced: web had a replacement less than") ? true : nil
            }
            if ContinuousClock.now - started < .seconds(55) {
                #expect(try await project.status().service("web")?.generation == 2)
            }
        }
    }
}
