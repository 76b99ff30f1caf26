import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14's operator items against the real daemon: `berth reload` applies `balance` and `access_log` without a
/// restart, and `berth logs --access` shows (and follows) the gateway's access log.
extension IntegrationTests {
    private func writeOpsManifest(_ project: TestProject, port: Int, gateway: String) throws {
        try project.write(
            """
            name: \(project.name)
            gateway:
              listen: 127.0.0.1:\(port)
            \(gateway)
              routes:
                - { path: /, service: web }
            services:
              web:
                command: \(try Self.fixture())
                replicas: 2
                port: auto
                ready: { http: /healthz, interval: 100ms }
            """, to: project.manifestPath)
    }

    /// The replica (by pid) that answered each of `count` requests in a row on one keep-alive connection.
    private func answerers(_ port: Int, count: Int = 30) async throws -> [String] {
        try await onThread {
            let client = try TestHTTPConnection(port: port)
            return try (0..<count).map { _ in try client.get("/pid").text }
        }
    }

    private static func alternates(_ pids: [String]) -> Bool {
        Set(pids).count == 2 && zip(pids, pids.dropFirst()).allSatisfy { $0 != $1 }
    }

    @Test("gateway: berth reload switches balance and turns access_log on, berth logs --access shows and follows it")
    func reloadAppliesBalanceAndAccessLog() async throws {
        try await withProject("gwops") { project in
            let port = freePort()
            let accessLog = project.stateDirectory + "/access.log"
            try writeOpsManifest(project, port: port, gateway: "  balance: p2c\n  access_log: false")
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            let p2c = try await answerers(port)
            #expect(!Self.alternates(p2c), "p2c picks at random between idle replicas: \(p2c)")
            try await Task.sleep(for: .milliseconds(300))
            let unlogged = (try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? ""
            #expect(!unlogged.contains("path=/pid"), "access_log: false writes nothing")

            try writeOpsManifest(project, port: port, gateway: "  balance: round_robin\n  access_log: true")
            let reload = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
            #expect(reload.exitCode == 0, "\(reload)")
            #expect(reload.output.contains("apply the changed gateway settings"), "\(reload)")
            let roundRobin = try await answerers(port)
            #expect(Self.alternates(roundRobin), "round robin after the reload: \(roundRobin)")
            let logged = try await eventually("30 access-log lines", timeout: .seconds(10)) { () -> String? in
                let text = (try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? ""
                return text.components(separatedBy: "path=/pid").count > 30 ? text : nil
            }
            #expect(logged.contains("status=200 replica=web."))
            let after = try await project.status()
            #expect(after.replicas("web").map(\.pid) == before.replicas("web").map(\.pid), "nothing restarted")

            // berth logs --access: the last lines, a replica's lines, JSON.
            let last = try await project.berth(["logs", "--access", "-n", "2"])
            #expect(last.exitCode == 0, "\(last)")
            let lines = last.stdout.split(separator: "\n")
            #expect(lines.count == 2 && lines.allSatisfy { $0.contains("method=GET path=/pid status=200") }, "\(last)")
            let one = try await project.berth(["logs", "--access", "web.0"])
            let oneLines = one.stdout.split(separator: "\n")
            #expect(oneLines.count == 15 && oneLines.allSatisfy { $0.contains("replica=web.0 ") }, "\(one)")
            let json = try await project.berth(["logs", "--access", "--json", "-n", "1"])
            #expect(json.stdout.hasPrefix(#"{"time":""#) && json.stdout.contains(#""path":"/pid","status":"200""#))
            let refused = try await project.berth(["logs", "--access", "-p", "err"])
            #expect(refused.exitCode != 0 && refused.output.contains("--priority does not apply to --access"))

            // -f: a new request appears within the gateway's batch interval and the poll. A request every round
            // until one shows: a follower that a loaded machine had not yet started when the one request came
            // (sent 500 ms after it, before) rightly skipped it (-n 0); one that does not follow shows none.
            let follower = try project.start(try Binaries.berth, ["logs", "--access", "-f", "-n", "0"])
            defer { follower.killAll() }
            let seen = try await eventually("a followed line", timeout: .seconds(20), interval: .seconds(1)) {
                () -> String? in
                if follower.stdout.contains("path=/followed") { return follower.stdout }
                _ = try await onThread { try TestHTTPConnection(port: port).get("/followed") }
                return nil
            }
            #expect(!seen.contains("path=/pid"), "-n 0: only new lines")
            follower.signal(SIGTERM)
        }
    }
}
