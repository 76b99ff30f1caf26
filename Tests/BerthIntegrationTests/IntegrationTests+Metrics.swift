import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `/metrics` on the admin listener of the real daemon, read after a crash and a restart.
extension IntegrationTests {
    @Test("admin /metrics: replicas by state, exits by cause, restarts, probes and gateway requests")
    func metricsAfterCrashAndRestart() async throws {
        try await withProject("metrics") { project in
            let gatewayPort = freePort()
            let adminPort = freePort()
            try project.write(
                """
                name: \(project.name)
                admin: { listen: 127.0.0.1:\(adminPort), token: test-token-0123456789 }
                gateway:
                  listen: 127.0.0.1:\(gatewayPort)
                  access_log: false
                  routes:
                    - { path: /api, service: web, strip_prefix: true }
                services:
                  web:
                    command: \(try Self.fixture())
                    replicas: 2
                    port: auto
                    ready: { http: /healthz, interval: 100ms }
                    restart: { backoff: { initial: 10ms, max: 50ms } }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let results = await loadInBackground(port: gatewayPort, path: "/api/pid", clients: 2, requests: 20)
            #expect(results.allSatisfy { $0.status == 200 }, "\(results.prefix(3))")
            let victim = try #require(try await project.status().replicas("web")[0].pid)
            kill(victim, SIGKILL)
            _ = try await project.waitForStatus("web.0 restarted and ready") {
                guard let replica = $0.replicas("web").first else { return false }
                return replica.restarts >= 1 && replica.ready && replica.pid != victim
            }
            let unauthorized = try await onThread { try TestHTTPConnection(port: adminPort).get("/metrics") }
            #expect(unauthorized.status == 401)
            let text = try await onThread {
                try TestHTTPConnection(port: adminPort)
                    .get("/metrics", headers: ["Authorization": "Bearer test-token-0123456789"]).text
            }
            let samples = PrometheusSamples(text)
            #expect(samples.value(#"berth_replicas{service="web",state="running"}"#) == 2, "\(text)")
            #expect(samples.value(#"berth_replicas_ready{service="web"}"#) == 2)
            #expect(samples.value(#"berth_exits_total{service="web",cause="signal"}"#) == 1)
            #expect((samples.value(#"berth_restarts_total{service="web"}"#) ?? 0) >= 1)
            #expect((samples.value(#"berth_probes_total{service="web",probe="ready",result="success"}"#) ?? 0) >= 3)
            #expect(samples.value(#"berth_probe_duration_seconds_count{service="web",probe="ready"}"#) != nil)
            #expect(
                samples.value(#"berth_gateway_requests_total{service="web",route="/api",code="200"}"#)
                    == Double(results.count))
            #expect(
                samples.value(#"berth_gateway_request_duration_seconds_count{service="web",route="/api"}"#)
                    == Double(results.count))
        }
    }
}

extension IntegrationTests {
    /// Whether Debian's python3-prometheus-client is there (scripts/lib/setup.sh installs it with the test packages).
    static let hasPrometheusParser: Bool =
        access("/usr/bin/python3", X_OK) == 0
        && {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", "import prometheus_client.parser"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return false }
            process.waitUntilExit()
            return process.terminationStatus == 0
        }()

    /// audit5: `berth stop web.1` left web.1's usage series in `/metrics` for the daemon's life (its last figures, as
    /// if it ran), and no family had a `# HELP` line. Checked with Prometheus' own Python parser when it is there.
    @Test("admin /metrics: a stopped replica's usage series leave; every family has HELP and TYPE")
    func metricsForgetStoppedReplicasAndDescribeEveryFamily() async throws {
        try await withProject("metrics-gone") { project in
            let adminPort = freePort()
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                        replicas: 2
                        port: auto
                        ready: { http: /healthz, interval: 100ms }
                    """, top: "admin: { listen: 127.0.0.1:\(adminPort), token: test-token-0123456789 }\n")
            #expect(try await project.upDetached().exitCode == 0)
            let scrape: @Sendable () async throws -> String = {
                try await onThread {
                    try TestHTTPConnection(port: adminPort)
                        .get("/metrics", headers: ["Authorization": "Bearer test-token-0123456789"]).text
                }
            }
            let replica1 = #"berth_replica_processes{service="web",replica="1"}"#
            _ = try await eventually("web.1's usage series", timeout: .seconds(20)) {
                PrometheusSamples(try await scrape()).value(replica1) == 1 ? true : nil
            }
            let stop = try await project.berth(["stop", "web.1"])
            #expect(stop.exitCode == 0, "\(stop)")
            let text = try await eventually("web.1's usage series gone", timeout: .seconds(20)) { () -> String? in
                let text = try await scrape()
                return PrometheusSamples(text).value(replica1) == nil ? text : nil
            }
            #expect(!text.contains(#"replica="1""#), "\(text)")
            #expect(PrometheusSamples(text).value(#"berth_replica_processes{service="web",replica="0"}"#) == 1)
            // Every `# TYPE` line has the family's `# HELP` line just before it.
            let lines = text.split(separator: "\n").map(String.init)
            let types = lines.indices.filter { lines[$0].hasPrefix("# TYPE ") }
            #expect(types.count >= 8, "\(text)")
            for index in types {
                let name = lines[index].split(separator: " ")[2]
                #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) "), "\(lines[index])")
            }
            guard Self.hasPrometheusParser else { return }
            let file = project.root + "/metrics.txt"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let script = """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                families = list(text_string_to_metric_families(open(sys.argv[1]).read()))
                bad = [f.name for f in families if not f.documentation or f.type == "unknown"]
                print(len(families), "families; without help or type:", bad)
                sys.exit(1 if bad or not families else 0)
                """
            let parsed = await (try project.start("/usr/bin/python3", ["-c", script, file])).wait(timeout: .seconds(30))
            #expect(parsed.exitCode == 0, "\(parsed)")
        }
    }
}

/// The samples of a Prometheus text exposition, by series (`name{labels}`) as written.
struct PrometheusSamples {
    private var values: [String: Double] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            values[String(line[..<space])] = value
        }
    }

    func value(_ series: String) -> Double? { values[series] }
}

extension IntegrationTests {
    @Test("health.gateway_failures: N failed requests in a row at the gateway restart the replica")
    func gatewayFailuresRestart() async throws {
        try await withProject("gwfail") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  routes:
                    - { path: /watched, service: watched, strip_prefix: true }
                    - { path: /plain, service: plain, strip_prefix: true }
                services:
                  watched:
                    command: \(try Self.fixture())
                    port: auto
                    ready: { http: /healthz, interval: 100ms }
                    health: { gateway_failures: 3 }
                  plain:
                    command: \(try Self.fixture())
                    port: auto
                    ready: { http: /healthz, interval: 100ms }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            let watched = try #require(before.replicas("watched").first?.pid)
            let plain = try #require(before.replicas("plain").first?.pid)
            // /garbage answers bytes that are not HTTP: a bad response, 502 to the client, a failure each time.
            let statuses = try await onThread {
                let client = try TestHTTPConnection(port: port)
                var statuses: [Int] = []
                for service in ["plain", "watched"] {
                    for _ in 0..<3 { statuses.append(try client.get("/\(service)/garbage").status) }
                }
                return statuses
            }
            #expect(statuses == [502, 502, 502, 502, 502, 502])
            let after = try await project.waitForStatus("watched.0 restarted after 3 gateway failures") {
                guard let replica = $0.replicas("watched").first else { return false }
                return replica.restarts == 1 && replica.ready && replica.pid != watched
            }
            #expect(after.replicas("plain").first?.pid == plain)
            #expect(after.replicas("plain").first?.restarts == 0)
            let fine = try await onThread { try TestHTTPConnection(port: port).get("/watched/pid") }
            #expect(fine.status == 200)
        }
    }
}
