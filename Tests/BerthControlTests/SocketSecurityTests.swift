import BerthControlClient
import BerthControlProtocol
import BerthControlServer
import CBerthShim
import Foundation
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized, .timeLimit(.minutes(2))) struct SocketSecurityTests {
    private func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    @Test func socketIsOwnerOnlyAndRemovedOnShutdown() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        // A directory the server creates is owner-only.
        let configuration = ControlServerConfiguration(
            socketPath: "\(directory)/run/control.sock",
            allowedUID: getuid()
        )
        try await withServer(configuration) { socket in
            #expect(self.mode(socket) == 0o600)
            #expect(self.mode("\(directory)/run") == 0o700)
        }
        #expect(mode(configuration.socketPath) == nil)
    }

    /// Issue 13, finding 4: an existing directory is never chmodded; one others could write is refused.
    @Test func anExistingDirectoryWithLoosePermissionsIsRefusedAndLeftAsItIs() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        mkdir("\(directory)/run", 0o777)
        chmod("\(directory)/run", 0o777)
        let configuration = ControlServerConfiguration(
            socketPath: "\(directory)/run/control.sock", allowedUID: getuid())
        let server = ControlServer(configuration: configuration, service: TestService(), logger: Logger(label: "t"))
        let error = await #expect(throws: ControlServerError.self) { try await server.run() }
        #expect(error?.description.contains("writable by other users") == true, "\(String(describing: error))")
        #expect(mode("\(directory)/run") == 0o777, "left as it was")
        #expect(mode(configuration.socketPath) == nil)
    }

    /// `--socket /tmp/x.sock` as root used to leave /tmp at 0700: a sticky shared directory is served in, unchanged.
    @Test func aStickySharedDirectoryIsUsedAndKeepsItsMode() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let shared = "\(directory)/tmp"
        mkdir(shared, 0o777)
        chmod(shared, 0o1777)
        let configuration = ControlServerConfiguration(socketPath: "\(shared)/x.sock", allowedUID: getuid())
        try await withServer(configuration) { socket in
            #expect(self.mode(socket) == 0o600)
            #expect(self.mode(shared) == 0o1777)
            let status = try await offPool { try ControlClient(socketPath: socket).status() }
            #expect(status.project == "demo")
        }
        #expect(mode(shared) == 0o1777, "still 1777 after shutdown")
    }

    @Test func trustedPathVerdicts() {
        typealias Entry = TrustedPath.Entry
        let root = Entry(path: "/", owner: 0, mode: 0o755)
        let tmp = Entry(path: "/tmp", owner: 0, mode: 0o1777)
        #expect(
            TrustedPath.verdict([root, tmp, Entry(path: "/tmp/berth-1000", owner: 1000, mode: 0o700)], uid: 1000)
                == nil)
        #expect(TrustedPath.verdict([root, tmp, Entry(path: "/tmp/x", owner: 0, mode: 0o755)], uid: 1000) == nil)
        let theirs = TrustedPath.verdict(
            [root, tmp, Entry(path: "/tmp/berth-1000", owner: 1001, mode: 0o700)], uid: 1000)
        #expect(theirs?.description.hasPrefix("/tmp/berth-1000 is owned by uid 1001") == true)
        let group = TrustedPath.verdict([root, Entry(path: "/srv", owner: 0, mode: 0o775)], uid: 0)
        #expect(group?.description.contains("writable by other users (mode 775)") == true)
        // An ancestor owned by another user is refused even when everything below is ours (the renamed-directory
        // hijack of issue 13, finding 5).
        let ancestor = TrustedPath.verdict(
            [root, Entry(path: "/srv", owner: 65534, mode: 0o755), Entry(path: "/srv/run", owner: 0, mode: 0o700)],
            uid: 0)
        #expect(ancestor?.description.hasPrefix("/srv is owned by uid 65534") == true)
    }

    @Test func secondServerRefusesAndStaleSocketIsReplaced() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let configuration = ControlServerConfiguration(socketPath: "\(directory)/control.sock", allowedUID: getuid())
        try await withServer(configuration) { socket in
            let second = ControlServer(configuration: configuration, service: TestService(), logger: Logger(label: "t"))
            let error = await #expect(throws: ControlServerError.self) { try await second.run() }
            #expect(error?.description == "another berthd is already serving \(socket)")
            // The first server is unharmed.
            let status = try await offPool { try ControlClient(socketPath: socket).status() }
            #expect(status.project == "demo")
        }
        // A socket file nobody listens on (a killed daemon's) is removed and replaced.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(configuration.socketPath.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(stale)
        #expect(bound == 0 && mode(configuration.socketPath) != nil)
        let status = try await withServer(configuration) { socket in
            try await offPool { try ControlClient(socketPath: socket).status() }
        }
        #expect(status.daemonPID == 42)
    }

    @Test func refusesADirectoryOwnedBySomeoneElse() async throws {
        guard getuid() == 0 else {
            Issue.record("skipped: needs root to chown a directory to another user")
            return
        }
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        mkdir("\(directory)/theirs", 0o700)
        chown("\(directory)/theirs", 65534, 65534)
        let configuration = ControlServerConfiguration(socketPath: "\(directory)/theirs/control.sock", allowedUID: 0)
        let server = ControlServer(configuration: configuration, service: TestService(), logger: Logger(label: "t"))
        let error = await #expect(throws: ControlServerError.self) { try await server.run() }
        #expect(error?.description.contains("owned by uid 65534") == true)
    }

    /// Issue 13, finding 5, the daemon's side: a directory above the socket's that another user owns (the
    /// `/tmp/berth-UID` they pre-created) is refused, though the socket's own directory would be ours.
    @Test func refusesAnAncestorOwnedBySomeoneElse() async throws {
        guard getuid() == 0 else {
            Issue.record("skipped: needs root to chown a directory to another user")
            return
        }
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        mkdir("\(directory)/berth-0", 0o755)
        chown("\(directory)/berth-0", 65534, 65534)
        let configuration = ControlServerConfiguration(
            socketPath: "\(directory)/berth-0/project/control.sock", allowedUID: 0)
        let server = ControlServer(configuration: configuration, service: TestService(), logger: Logger(label: "t"))
        let error = await #expect(throws: ControlServerError.self) { try await server.run() }
        #expect(error?.description.contains("\(directory)/berth-0 is owned by uid 65534") == true)
        #expect(mode(configuration.socketPath) == nil)
    }

    /// Issue 13, finding 5: the client checks the socket's directories and the server's uid before it believes
    /// anything. `nobody` serves a fake daemon: where nobody controls a directory on the way, and then in a
    /// directory of root's (the socket renamed there, as a renamed parent directory would leave it).
    @Test func theClientRefusesAFakeDaemonOfAnotherUser() async throws {
        guard getuid() == 0, access("/usr/bin/setpriv", X_OK) == 0 else {
            Issue.record("skipped: needs root and setpriv to run a fake daemon as another user")
            return
        }
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let theirs = "\(directory)/theirs"
        mkdir(theirs, 0o755)
        chown(theirs, 65534, 65534)
        mkdir("\(theirs)/run", 0o755)
        chown("\(theirs)/run", 65534, 65534)
        let planted = "\(theirs)/run/control.sock"
        let fake = try FakeDaemon(socket: planted)
        defer { fake.stop() }
        let below = await #expect(throws: ControlClientError.self) {
            try await offPool { try ControlClient(socketPath: planted).status() }
        }
        let reason =
            "\(theirs) is owned by uid 65534, not by root or by us (uid 0): that user could replace what "
            + "lies below it"
        #expect(below == .untrustedPath(socket: planted, reason: reason), "\(String(describing: below))")
        #expect(fake.connections() == 0, "nothing was sent to the fake daemon")

        mkdir("\(directory)/ours", 0o755)
        let renamed = "\(directory)/ours/control.sock"
        #expect(rename(planted, renamed) == 0)
        let served = await #expect(throws: ControlClientError.self) {
            try await offPool { try ControlClient(socketPath: renamed).status() }
        }
        #expect(served == .untrustedServer(socket: renamed, uid: 65534), "\(String(describing: served))")
        #expect(served?.description.contains("served by uid 65534") == true)
    }

    @Test func clientReportsMissingDaemon() throws {
        let error = #expect(throws: ControlClientError.self) {
            try ControlClient(socketPath: "/tmp/berth-no-such-dir/control.sock").status()
        }
        #expect(error == .noDaemon(socket: "/tmp/berth-no-such-dir/control.sock"))
        #expect(
            error?.description == "no berthd is running for this project (socket /tmp/berth-no-such-dir/control.sock)"
        )
    }

    @Test func peerCredentialHelperReportsOurself() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        var uid: UInt32 = 99
        var pid: Int32 = 0
        #expect(berth_peer_uid(fds[0], &uid, &pid) == 0)
        #expect(uid == getuid() && pid == getpid())
        #expect(berth_peer_uid(-1, &uid, &pid) == -1)
    }

    /// The uid check alone: with relaxed permissions anyone can connect, and `nobody` must get 403.
    @Test func anotherUserGets403FromTheUIDCheck() async throws {
        guard getuid() == 0 else {
            Issue.record("skipped: needs root to run a client as another user (setpriv)")
            return
        }
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let configuration = ControlServerConfiguration(
            socketPath: "\(directory)/run/control.sock",
            allowedUID: 4242,
            relaxedSocketPermissions: true
        )
        try await withServer(configuration) { socket in
            #expect(self.mode(socket) == 0o666)
            let output = try await offPool { try runAsNobody(socket: socket) }
            #expect(output.hasPrefix("HTTP/1.1 403"), "\(output)")
            #expect(output.contains(#""code":"forbidden""#))
            // Root is always allowed, even though allowedUID is someone else.
            let status = try await offPool { try ControlClient(socketPath: socket).status() }
            #expect(status.project == "demo")
        }
    }

    /// With the normal permissions, another user cannot even connect.
    @Test func anotherUserCannotConnectWithNormalPermissions() async throws {
        guard getuid() == 0 else {
            Issue.record("skipped: needs root to run a client as another user (setpriv)")
            return
        }
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let configuration = ControlServerConfiguration(socketPath: "\(directory)/run/control.sock", allowedUID: 0)
        try await withServer(configuration) { socket in
            let output = try await offPool { try runAsNobody(socket: socket) }
            #expect(output == "ERRNO \(EACCES)")
        }
    }
}

/// Runs a small Python client as uid/gid 65534 that connects, sends `GET /v1/status` and prints the response (or
/// `ERRNO n` when connecting fails). Waits for its output to end rather than for its exit status, so that another
/// test's child reaper cannot interfere; kills it by pid after 20 s.
func runAsNobody(socket: String) throws -> String {
    let script = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(sys.argv[1])
        except OSError as e:
            print("ERRNO %d" % e.errno, end="")
            sys.exit(0)
        s.sendall(b"GET /v1/status HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        sys.stdout.write(data.decode())
        """
    let arguments = [
        "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script,
        socket,
    ]
    var pipe: [Int32] = [0, 0]
    guard Glibc.pipe(&pipe) == 0 else { throw TestFailure("pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipe[0])
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
    close(pipe[1])
    defer { close(pipe[0]) }
    guard spawned == 0 else { throw TestFailure("posix_spawn failed: \(spawned)") }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    let deadline = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < deadline {
        var poller = pollfd(fd: pipe[0], events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 200) >= 0 || errno == EINTR else { break }
        if poller.revents == 0 { continue }
        let count = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
        if count <= 0 { break }
        output += buffer[..<count]
    }
    kill(pid, SIGKILL)  // harmless if it already exited; bounds a hung client
    var status: Int32 = 0
    waitpid(pid, &status, 0)  // ECHILD if another reaper got it first: fine
    return String(decoding: output, as: UTF8.self)
}

/// A fake berthd as uid 65534: a Python server on `socket` that answers every request with a made-up status.
/// Killed by pid.
final class FakeDaemon: Sendable {
    let pid: pid_t
    let socket: String

    init(socket: String) throws {
        self.socket = socket
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(sys.argv[1])
            s.listen(8)
            open(sys.argv[1] + ".listening", "w").close()
            s.settimeout(60)
            count = 0
            while True:
                c, _ = s.accept()
                count += 1
                open(sys.argv[1] + ".count", "w").write(str(count))
                c.settimeout(5)
                try:
                    c.recv(65536)
                except OSError:
                    pass
                body = b'{"project":"fake","daemon_pid":1,"services":[]}'
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: "
                    + str(len(body)).encode() + b"\\r\\nConnection: close\\r\\n\\r\\n" + body)
                c.close()
            """
        let arguments = [
            "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script,
            socket,
        ]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], nil, nil, argv, environ) == 0 else {
            throw TestFailure("cannot start the fake daemon")
        }
        self.pid = pid
        // The socket file appears at bind, before listen: a client that connected in between was refused (no
        // daemon) instead of hearing the fake daemon's uid (flaky under load in earlier sessions). The script says
        // when it listens with a file of its own.
        let deadline = ContinuousClock.now + .seconds(10)
        var info = stat()
        while lstat(socket + ".listening", &info) != 0 {
            guard ContinuousClock.now < deadline else {
                stop()
                throw TestFailure("the fake daemon did not bind \(socket)")
            }
            usleep(20_000)
        }
    }

    /// How many connections it accepted (it counts them in a file next to its first socket path).
    func connections() -> Int {
        (try? String(contentsOfFile: socket + ".count", encoding: .utf8)).flatMap { Int($0) } ?? 0
    }

    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
