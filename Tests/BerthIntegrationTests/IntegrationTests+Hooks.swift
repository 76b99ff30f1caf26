import BerthControlProtocol
import Foundation
import Testing

/// Hooks with the real daemon: a failing service fires its `restarted` command once per restart and its
/// `on_failure` command and webhook once when it gives up; a webhook that never answers delays nothing.
extension IntegrationTests {
    /// A loopback HTTP server (python3) that appends each POST body to BODIES and answers 200.
    static let recordingServer = """
        import http.server, os, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                with open(sys.argv[1], 'ab') as f: f.write(body)
                self.send_response(200); self.end_headers()
            def log_message(self, *args): pass
        s = http.server.HTTPServer(('127.0.0.1', 0), H)
        with open(sys.argv[2] + '.tmp', 'w') as f: f.write(str(s.server_address[1]))
        os.rename(sys.argv[2] + '.tmp', sys.argv[2])
        s.serve_forever()
        """

    /// A loopback listener (python3) that never accepts: connections complete in the backlog and hang.
    static let hangingServer = """
        import os, socket, sys, time
        s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(64)
        with open(sys.argv[1] + '.tmp', 'w') as f: f.write(str(s.getsockname()[1]))
        os.rename(sys.argv[1] + '.tmp', sys.argv[1])
        time.sleep(600)
        """

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("hooks: once per event, by command and webhook; a hanging webhook does not delay restarts")
    func hooksFireOncePerEvent() async throws {
        try await withProject("hooks") { project in
            let root = project.root
            _ = try project.start(
                "/usr/bin/env",
                ["python3", "-c", Self.recordingServer, "\(root)/posts.log", "\(root)/good.port"])
            _ = try project.start("/usr/bin/env", ["python3", "-c", Self.hangingServer, "\(root)/hang.port"])
            let ports = try await eventually("the webhook servers' ports", timeout: .seconds(10)) { () -> (Int, Int)? in
                guard let good = Int(Self.lines("\(root)/good.port").first ?? ""),
                    let hang = Int(Self.lines("\(root)/hang.port").first ?? "")
                else { return nil }
                return (good, hang)
            }
            try project.writeManifest(
                services: """
                      crash:
                        command: ["/bin/sh", "-c", "date +%s.%N >> starts.log; exit 3"]
                        restart:
                          policy: on-failure
                          backoff: { initial: 100ms, max: 100ms, jitter: 0 }
                          give_up: { restarts: 3, within: 1m }
                        on_event:
                          restarted:
                            - command: ["/bin/sh", "-c", "cat >> restarted.log"]
                            - { url: "http://127.0.0.1:\(ports.1)/hang?token=s3cret-hook", timeout: 30s, retries: 0 }
                        on_failure:
                          - command: ["/bin/sh", "-c",
                              "cat >> failure.log; echo $BERTH_EVENT_KIND $BERTH_EVENT_SERVICE >> kinds.log"]
                          - url: "http://127.0.0.1:\(ports.0)/hook"
                      web:
                        command: ["/bin/sleep", "600"]
                    """)
            let up = try await project.berth(["up", "-d", "--timeout", "20s"], timeout: .seconds(40))
            #expect(up.timedOut == false, "\(up)")
            _ = try await project.waitForStatus("crash to give up", timeout: .seconds(15)) { status in
                status.replicas("crash").first?.state == .failed
            }
            // The hanging webhook (30 s timeout) held nothing back: 4 starts 100 ms apart, well within 5 s.
            let starts = Self.lines("\(root)/starts.log").compactMap(Double.init)
            #expect(starts.count == 4, "\(starts)")
            if let first = starts.first, let last = starts.last {
                #expect(last - first < 5, "restarts took \(last - first) s")
            }
            let fired = try await eventually("the hooks", timeout: .seconds(15)) { () -> Bool? in
                Self.lines("\(root)/restarted.log").count >= 3 && Self.lines("\(root)/failure.log").count >= 1
                    && Self.lines("\(root)/posts.log").count >= 1 ? true : nil
            }
            #expect(fired)
            // Once per event: nothing more arrives.
            try await Task.sleep(for: .seconds(2))
            let restarted = Self.lines("\(root)/restarted.log")
            #expect(restarted.count == 3, "\(restarted)")
            #expect(restarted.allSatisfy { $0.contains(#""kind":"restarted""#) && $0.contains(#""service":"crash""#) })
            #expect(restarted.map { $0.contains(#""restarts":1"#) } == [true, false, false], "\(restarted)")
            let failure = Self.lines("\(root)/failure.log")
            #expect(failure.count == 1 && failure[0].contains(#""kind":"gave_up""#), "\(failure)")
            #expect(Self.lines("\(root)/kinds.log") == ["gave_up crash"])
            // The hanging POST is in flight (marked as the project's), and its URL's token is in no command line.
            let marked = project.markedPIDs
            #expect(
                marked.contains { (ProcessScan.environment(of: $0) ?? []).contains { $0.contains("s3cret-hook") } },
                "no process carries the hanging webhook's URL: \(marked)")
            let pids = (try FileManager.default.contentsOfDirectory(atPath: "/proc")).compactMap { Int32($0) }
            let leaking = pids.filter { (ProcessScan.commandLine(of: $0) ?? []).joined().contains("s3cret-hook") }
            #expect(leaking.isEmpty, "the webhook token shows in the command line of \(leaking)")
            let posts = Self.lines("\(root)/posts.log")
            #expect(posts.count == 1 && posts[0].contains(#""message":"failed: gave up after 3 restarts"#), "\(posts)")
        }
    }

    @Test("hooks: a reload that adds a hook delivers with it, without restarting the service")
    func hooksOnReload() async throws {
        try await withProject("hooks-reload") { project in
            func manifest(withHook: Bool) throws {
                try project.writeManifest(
                    services: """
                          flaky:
                            command: ["/bin/sh", "-c", "sleep 0.5; exit 1"]
                            restart: { backoff: { initial: 100ms, max: 100ms, jitter: 0 }, give_up: { restarts: 1000 } }
                        """
                            + (withHook
                                ? """

                                    on_event:
                                      restarted: { command: ["/bin/sh", "-c", "cat >> restarted.log"] }
                                """ : ""))
            }
            try manifest(withHook: false)
            #expect(try await project.upDetached().exitCode == 0)
            try await Task.sleep(for: .seconds(1))
            #expect(Self.lines(project.root + "/restarted.log").isEmpty)
            let generation = try await project.status().service("flaky")?.generation
            try manifest(withHook: true)
            let reload = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
            #expect(reload.exitCode == 0, "\(reload)")
            let lines = try await eventually("the added hook", timeout: .seconds(10)) { () -> [String]? in
                let lines = Self.lines(project.root + "/restarted.log")
                return lines.isEmpty ? nil : lines
            }
            #expect(lines.allSatisfy { $0.contains(#""kind":"restarted""#) }, "\(lines)")
            // A hook is no reason to restart the service: same generation.
            #expect(try await project.status().service("flaky")?.generation == generation)
        }
    }
}
