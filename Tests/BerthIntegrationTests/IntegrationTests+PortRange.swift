import BerthControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `port: auto` with no free port left (see also Tests/chaos, scenario g). The daemon runs in a network namespace of
/// its own whose ephemeral range is 16 ports, so taking them all touches nothing else; the control socket is a path,
/// reachable from outside the namespace.
extension IntegrationTests {
    @Test(
        "no free port in the auto range: a clear reason, retried with backoff, started once ports are free",
        .enabled(
            if: getuid() == 0 && access("/usr/bin/unshare", X_OK) == 0 && access("/usr/bin/nsenter", X_OK) == 0
                && (access("/usr/sbin/ip", X_OK) == 0 || access("/sbin/ip", X_OK) == 0),
            "needs root, unshare, nsenter and ip"))
    func noFreeAutoPort() async throws {
        try await withProject("ports") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                        port: auto
                        ready: { tcp: true, interval: 100ms }
                        restart: { backoff: { initial: 100ms, max: 300ms }, give_up: { restarts: 1000, within: 60s } }
                    """)
            let script = """
                set -e
                ip link set lo up
                echo "40000 40015" > /proc/sys/net/ipv4/ip_local_port_range
                mkdir -p \(project.root)/run
                exec \(try Binaries.berthd) --file \(project.manifestPath) --socket \(project.socket) \
                    --state-dir \(project.stateDirectory)
                """
            _ = try project.start("/usr/bin/unshare", ["-n", "/bin/sh", "-c", script])
            let ready = try await project.waitForStatus("web ready", timeout: .seconds(20)) {
                $0.replicas("web").first?.ready == true
            }
            let hogCode = """
                import socket, sys, time
                held = []
                while True:
                    s = socket.socket()
                    try:
                        s.bind(("127.0.0.1", 0)); s.listen(); held.append(s)
                    except OSError:
                        break
                print(len(held), flush=True)
                time.sleep(120)
                """
            let hog = try project.start(
                "/usr/bin/nsenter", ["-t", "\(ready.daemonPID)", "-n", "python3", "-c", hogCode])
            _ = try await eventually("the hog to take every free port", timeout: .seconds(10)) {
                hog.stdout.isEmpty ? nil : true
            }
            let scale = try await project.berth(["scale", "web=3", "--timeout", "2s"])
            #expect(scale.exitCode != 0, "\(scale)")
            let waiting = try await project.status().replicas("web").filter { $0.index > 0 }
            #expect(waiting.count == 2)
            for replica in waiting {
                #expect(replica.reason?.contains("no free port for port: auto") == true, "\(replica)")
                #expect(replica.state != .failed, "retried, not failed: \(replica)")
            }
            hog.signal(SIGKILL)
            _ = try await project.waitForStatus("3 web replicas ready once ports are free", timeout: .seconds(15)) {
                $0.replicas("web").count == 3 && $0.replicas("web").allSatisfy(\.ready)
            }
        }
    }
}
