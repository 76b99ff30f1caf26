import BerthControlProtocol
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starts `berthd` detached from the terminal: its own session, stdin from /dev/null, stdout and stderr appended to
/// the project's daemon log, so that it outlives `berth up -d` and never gets the terminal's Ctrl-C.
struct DaemonLauncher {
    /// glibc's `POSIX_SPAWN_SETSID` (spawn.h, only under `_GNU_SOURCE`, so not always imported).
    static let spawnSetSID: Int32 = 0x80

    /// A started daemon: its pid and where its output for this run begins in the log.
    struct Started {
        var pid: pid_t
        var logPath: String
        var logOffset: UInt64
    }

    var executable: String
    var manifestFile: String
    var paths: ProjectPaths
    /// The services to start (`berth up web`, profiles); empty: every service.
    var services: [String] = []
    /// `berth up --watch`: the daemon watches every service with `watch:`.
    var watch = false

    /// The daemon next to the running `berth` (via /proc/self/exe), or `BERTH_DAEMON`.
    static func locate(environment: [String: String]) throws(CLIFailure) -> String {
        if let path = environment["BERTH_DAEMON"], !path.isEmpty {
            guard access(path, X_OK) == 0 else { throw .failed("BERTH_DAEMON=\(path) is not an executable file") }
            return path
        }
        let selfPath =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let path = (selfPath as NSString).deletingLastPathComponent + "/berthd"
        guard access(path, X_OK) == 0 else {
            throw .failed("cannot find the daemon at \(path); install berthd next to berth or set BERTH_DAEMON")
        }
        return path
    }

    var arguments: [String] {
        [executable, "--file", manifestFile, "--socket", paths.socket, "--state-dir", paths.stateDirectory]
            + services.flatMap { ["--service", $0] } + (watch ? ["--watch"] : [])
    }

    func start(environment: [String: String]) throws(CLIFailure) -> Started {
        try Self.makeDirectory(paths.stateDirectory)
        // The socket's directory is berthd's to create: it sets the mode only of directories it created itself.
        let log = open(paths.daemonLog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard log >= 0 else { throw .failed("cannot open \(paths.daemonLog): \(Self.errnoText())") }
        defer { close(log) }
        let offset = UInt64(max(0, lseek(log, 0, SEEK_END)))
        let pid = try spawn(log: log, environment: environment)
        return Started(pid: pid, logPath: paths.daemonLog, logOffset: offset)
    }

    private func spawn(log: Int32, environment: [String: String]) throws(CLIFailure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, log, STDERR_FILENO)
        // Nothing else the caller had open (a shell's, a test runner's) reaches the daemon: its descriptor budget
        // is counted from what it opens itself (see OpenFileLimit).
        // (Closing one that is no longer open when the child runs is not an error for glibc.)
        let inherited = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in inherited.compactMap({ Int32($0) }) where fd > STDERR_FILENO {
            posix_spawn_file_actions_addclose(&actions, fd)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let flags = Self.spawnSetSID | Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw .failed("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Creates `path` and its missing parents, owner-only.
    static func makeDirectory(_ path: String) throws(CLIFailure) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw .failed("cannot create \(path): \(error.localizedDescription)")
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
