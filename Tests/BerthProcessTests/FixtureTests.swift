import BerthProcess
import Glibc
import Testing

/// The `berth-fixture` executable next to the test bundle (SwiftPM builds it with the tests).
let fixturePath: String? = {
    guard let exe = try? realpathOf("/proc/self/exe") else { return nil }
    let candidate = String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)]) + "/berth-fixture"
    return access(candidate, X_OK) == 0 ? candidate : nil
}()

private func realpathOf(_ path: String) throws -> String {
    guard let resolved = realpath(path, nil) else { throw TimedOut(what: "realpath") }
    defer { free(resolved) }
    return String(cString: resolved)
}

@Suite("berth-fixture run through the launcher", .enabled(if: fixturePath != nil, "berth-fixture not built"))
struct FixtureTests {
    private func startFixture(_ flags: [String]) throws -> (pid: Int32, recorder: Recorder) {
        var environment = baseEnvironment
        environment["BERTH_REPLICA"] = "2"
        return try start(request([fixturePath!] + flags, environment: environment))
    }

    @Test func servesHealthReadinessAndExitsZeroOnSIGTERM() async throws {
        let port = try freePort()
        let started = ContinuousClock.now
        let (pid, recorder) = try startFixture(["--port", "\(port)", "--ready-after", "1500"])
        try await eventually("listening") { recorder.texts.contains { $0.hasPrefix("fixture listening") } }
        #expect(try httpGet(port: port, "/healthz") == (200, "ok"))
        // The fixture's clock starts after `started`: while fewer than 1500 ms have passed here when the answer is
        // in, it must be 503. Past that (a loaded CI machine can take that long to get here: the old fixed check
        // saw 200), 200 is right too. A fixture ready at once still fails on any machine that answers in time.
        let early = try httpGet(port: port, "/ready").status
        if ContinuousClock.now - started < .milliseconds(1500) {
            #expect(early == 503)
        } else {
            #expect([503, 200].contains(early))
        }
        #expect(try httpGet(port: port, "/") == (200, "fixture pid=\(pid) replica=2"))
        #expect(try httpGet(port: port, "/missing").status == 404)
        try await eventually("readiness") { (try? httpGet(port: port, "/ready")) ?? (0, "") == (200, "ready") }
        #expect(ContinuousClock.now - started >= .milliseconds(1500))
        #expect(launcher.signalGroup(pid, SIGTERM))
        #expect(try await recorder.waitForExit() == .exited(0))
    }

    @Test func ignoresSIGTERMWhenAsked() async throws {
        let (pid, recorder) = try startFixture(["--ignore-term"])
        try await eventually("start") { !recorder.texts.isEmpty }
        #expect(launcher.signalGroup(pid, SIGTERM))
        try await Task.sleep(for: .milliseconds(200))
        #expect(recorder.exits.isEmpty)
        try await killAndReap(pid, recorder)
        #expect(recorder.exits == [.signaled(SIGKILL, coreDumped: false)])
    }

    @Test func crashesAfterADelayWithTheGivenCode() async throws {
        let (_, recorder) = try startFixture(["--crash-after", "100", "--exit-code", "7"])
        #expect(try await recorder.waitForExit() == .exited(7))
        #expect(recorder.lines.contains { $0.stream == .stderr && $0.text.contains("crashing") })
    }

    @Test func exitsImmediatelyAfterWritingStderr() async throws {
        let (recorder, status) = try await run(request([fixturePath!, "--stderr", "boom", "--exit-immediately", "3"]))
        #expect(status == .exited(3))
        #expect(recorder.lines.map { [$0.text] } == [["boom"]] && recorder.lines.allSatisfy { $0.stream == .stderr })
    }

    @Test func escapingGrandchildOutlivesItsGroupAndIsAdopted() async throws {
        let (pid, recorder) = try startFixture(["--grandchild", "--grandchild-setsid", "--grandchild-sleep", "5000"])
        try await eventually("grandchild line") { recorder.texts.contains { $0.hasPrefix("grandchild pid=") } }
        let line = try #require(recorder.texts.first { $0.hasPrefix("grandchild pid=") })
        let grandchild = try #require(Int32(line.dropFirst("grandchild pid=".count)))
        #expect(ProcessTable.session(of: grandchild) == grandchild)
        try await killAndReap(pid, recorder)
        // Killing the group did not reach it; it is now our (the subreaper's) child.
        try await eventually("adoption") { ProcessTable.parent(of: grandchild) == getpid() }
        #expect(ProcessTable.isAlive(grandchild))
        #expect(launcher.signalProcess(grandchild, SIGKILL))
        try await eventually("orphan reaped") { ProcessTable.state(of: grandchild) == nil }
    }
}

/// A loopback port that was free a moment ago.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = loopback(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw TimedOut(what: "a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

private func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
    return address
}

/// A blocking one-shot GET with a 5 s receive timeout; returns status code and body.
func httpGet(port: Int, _ path: String) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = loopback(port: port)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
    guard connected else { throw TimedOut(what: "connect to \(port)") }
    let message = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
    _ = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard got > 0 else { break }
        response += chunk[0..<got]
    }
    let separator: [UInt8] = [13, 10, 13, 10]
    let head = String(decoding: response, as: UTF8.self).split(separator: " ")
    guard response.count >= 4, head.count > 1, let status = Int(head[1]),
        let headEnd = (0...(response.count - 4)).first(where: { response[$0..<($0 + 4)].elementsEqual(separator) })
    else { throw TimedOut(what: "a response from \(port)") }
    return (status, String(decoding: response[(headEnd + 4)...], as: UTF8.self))
}
