import Foundation

/// A started command whose stdout and stderr go to files (no pipe can fill up and block it, and a command that
/// leaves a daemon behind cannot hold a pipe open), waited for with a deadline and killed by pid past it.
///
/// The command runs under `/bin/sh`, which writes its exit status to a file. The exit status cannot come from
/// `waitpid` here: other suites in the same test process run Berth's `ChildReaper`, whose `waitpid(-1)` reaps every
/// child of the process (and Foundation's `Process` sometimes never noticed an exit in the test runner at all).
/// The shell is the leader of its own process group, so a timeout kills the shell and the command together.
final class RunningCommand {
    /// The shell's pid, which is also the process group of the shell and the command.
    let shellPID: pid_t
    let stdoutPath: String
    let stderrPath: String
    let statusPath: String
    let started = ContinuousClock.now
    /// The command's exit status (128 + N when signal N ended it), or -1 if the shell died before it could tell.
    private var exitStatus: Int32?

    private static let script = #""$@"; code=$?; echo "$code" > "$0"; exit "$code""#

    init(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String,
        outputPrefix: String
    ) throws {
        stdoutPath = outputPrefix + ".out"
        stderrPath = outputPrefix + ".err"
        statusPath = outputPrefix + ".status"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try Self.addChangeDirectory(&actions, directory)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        let flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let shell = ["/bin/sh", "-c", Self.script, statusPath, executable] + arguments
        let argv = shell.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw IntegrationFailure("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        shellPID = child
    }

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+), looked up at run time: Swift's Glibc module is not
    /// built with `_GNU_SOURCE`, so it does not declare it.
    private static func addChangeDirectory(_ actions: inout posix_spawn_file_actions_t, _ path: String) throws {
        typealias AddChdir =
            @convention(c) (
                UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
            ) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else {
            throw IntegrationFailure("this libc has no posix_spawn_file_actions_addchdir_np")
        }
        let addChdir = unsafeBitCast(symbol, to: AddChdir.self)
        let result = addChdir(&actions, path)
        guard result == 0 else { throw IntegrationFailure("addchdir \(path) failed: \(result)") }
    }

    /// Whether the command still runs.
    var isRunning: Bool {
        poll()
        return exitStatus == nil
    }

    /// The command's own pid (the shell's only child), while it runs.
    var commandPID: pid_t? {
        ProcessScan.children(of: shellPID).first
    }

    /// What the command has written to stdout so far.
    var stdout: String { Self.read(stdoutPath) }
    var stderr: String { Self.read(stderrPath) }

    /// Sends `signal` to the command (not to its shell).
    func signal(_ signal: Int32) {
        if isRunning, let pid = commandPID {
            kill(pid, signal)
        }
    }

    /// SIGKILLs the shell and the command (their process group).
    func killAll() {
        if isRunning {
            kill(-shellPID, SIGKILL)
        }
    }

    /// Waits up to `timeout` (from the start) for the command to exit; past it, SIGKILLs it and reports `timedOut`.
    func wait(timeout: Duration) async -> CommandResult {
        let clock = ContinuousClock()
        let deadline = started + timeout
        var timedOut = false
        while isRunning {
            if clock.now >= deadline, !timedOut {
                timedOut = true
                kill(-shellPID, SIGKILL)
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return CommandResult(
            exitCode: exitStatus ?? -1, stdout: stdout, stderr: stderr, timedOut: timedOut,
            elapsed: clock.now - started
        )
    }

    /// Done once the shell has written the status, or once the shell is gone (then without a status).
    private func poll() {
        guard exitStatus == nil else { return }
        if let status = Int32(Self.read(statusPath).trimmingCharacters(in: .whitespacesAndNewlines)) {
            exitStatus = status
            reapShell()
            return
        }
        if reapShell() || !ProcessScan.isAlive(shellPID) {
            // The shell may have written the status between the two looks.
            let text = Self.read(statusPath).trimmingCharacters(in: .whitespacesAndNewlines)
            exitStatus = Int32(text) ?? -1
        }
    }

    /// Reaps the shell if it is our zombie; true when it is gone (reaped here or by another reaper).
    @discardableResult
    private func reapShell() -> Bool {
        var status: Int32 = 0
        var result: pid_t
        repeat {
            result = waitpid(shellPID, &status, WNOHANG)
        } while result < 0 && errno == EINTR
        return result == shellPID || (result < 0 && errno == ECHILD)
    }

    private static func read(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
