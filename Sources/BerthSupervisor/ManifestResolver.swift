public import BerthManifest
import BerthProcess
import BerthSystem
import CBerthShim
import Glibc

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Why berthd has no manifest: `berth resolve` refused the file (its diagnostics, exactly as the user sees them from
/// `berth check`), or it could not be run or did not answer.
public enum ManifestResolveError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case failed(String)

    public var description: String {
        switch self {
        case .invalid(let diagnostics): diagnostics
        case .failed(let reason): reason
        }
    }
}

/// How berthd gets its manifest: it runs `berth resolve --file FILE` (the CLI installed beside it), hands it the
/// variables the manifest is to be interpolated with on stdin, and reads the resolved manifest as JSON.
///
/// berthd parses no YAML: Yams' tag resolver uses `NSRegularExpression`, which links full Foundation, CoreFoundation
/// and ICU into a static binary (+5 MB of memory for the daemon; BENCHMARKS.md, "suprss3"). The CLI already has the
/// loader, its diagnostics and their positions, so it stays the one place that reads the file.
public struct ManifestResolver: Sendable {
    /// The `berth` binary.
    public var executable: String
    /// How long `berth resolve` may take before it is killed (it reads the manifest, its includes and `env_file`s).
    public var timeout: Duration = .seconds(30)

    public init(executable: String) {
        self.executable = executable
    }

    /// `$BERTH_CLI` when set, else the `berth` in berthd's own folder (both ship together).
    public static func besideDaemon(environment: [String: String]) -> ManifestResolver {
        if let path = environment["BERTH_CLI"], !path.isEmpty { return ManifestResolver(executable: path) }
        let own = System.executablePath() ?? ""
        let folder = own.lastIndex(of: "/").map { String(own[..<$0]) } ?? "."
        return ManifestResolver(executable: (folder.isEmpty ? "" : folder) + "/berth")
    }

    /// Resolves `file` off the concurrency pool (a plain thread waits for the child), for a running daemon.
    /// The child is left to the daemon's reaper (`ChildReaper`): nothing else may call `waitpid` there.
    public func resolve(file: String, environment: [String: String]) async throws(ManifestResolveError) -> Manifest {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Manifest, ManifestResolveError>, Never>) in
            do {
                try DetachedThread.start {
                    continuation.resume(
                        returning: Result { () throws(ManifestResolveError) in
                            try resolveNow(file: file, environment: environment, reap: false)
                        })
                }
            } catch {
                continuation.resume(returning: .failure(.failed("cannot start a thread to run \(executable)")))
            }
        }
        return try result.get()
    }

    /// Resolves `file` on the calling thread; `reap` waits for the child (only before the daemon's reaper runs).
    public func resolveNow(
        file: String, environment: [String: String], reap: Bool
    ) throws(ManifestResolveError) -> Manifest {
        let output = try run(
            ["berth", "resolve", "--file", file, "--environment-from-stdin"], variables: environment, reap: reap)
        // stdout says which: a manifest, or the diagnostics of an invalid one; anything else is a failure to run.
        var text = String(decoding: output.stderr, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        guard !output.stdout.isEmpty else {
            throw .failed("\(executable) resolve --file \(file) failed\(text.isEmpty ? "" : ": " + text)")
        }
        let reply: ResolvedManifest
        do {
            reply = try ResolvedManifest(json: output.stdout)
        } catch {
            throw .failed("\(executable) resolve --file \(file): \(error) (are berth and berthd the same version?)")
        }
        switch reply {
        case .manifest(let manifest): return manifest
        case .invalid(let diagnostics): throw .invalid(diagnostics)
        }
    }

    /// What the child wrote (how it ended does not matter: stdout says it, see `ResolvedManifest`).
    struct Output {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
    }

    private func run(
        _ arguments: [String], variables: [String: String], reap: Bool
    ) throws(ManifestResolveError)
        -> Output
    {
        // The variables go in before the child starts, into the pipe's buffer: the write can neither block on the
        // child nor raise SIGPIPE. They are not the child's environment (that is berthd's own): a reload's
        // variables come from a control request and must not choose what the child's loader does (`LD_PRELOAD`).
        let input = try filledPipe(variables)
        defer { close(input) }
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        // Close-on-exec: a replica forked meanwhile must not inherit a write end (the read would never see EOF).
        guard berth_pipe_cloexec(&outPipe) == 0 else { throw .failed("\(SystemError.current("pipe"))") }
        guard berth_pipe_cloexec(&errPipe) == 0 else {
            close(outPipe[0])
            close(outPipe[1])
            throw .failed("\(SystemError.current("pipe"))")
        }
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        let pid: pid_t
        do {
            defer {
                close(outPipe[1])
                close(errPipe[1])
            }
            pid = try spawn(arguments, stdin: input, stdout: outPipe[1], stderr: errPipe[1])
        }
        var output = Output()
        let deadline = ContinuousClock.now + timeout
        var streams: [(fd: Int32, isOut: Bool)] = [(outPipe[0], true), (errPipe[0], false)]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !streams.isEmpty {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                kill(pid, SIGKILL)
                if reap { _ = System.retrying { waitpid(pid, nil, 0) } }
                throw .failed("\(executable) resolve did not answer within \(timeout); stopped it")
            }
            var fds = streams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let milliseconds = Int32(min(left.components.seconds * 1000 + 1, 1000))
            let ready = poll(&fds, nfds_t(fds.count), milliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready >= 0 else { throw .failed("\(SystemError.current("poll"))") }
            var stillOpen: [(fd: Int32, isOut: Bool)] = []
            for (index, stream) in streams.enumerated() {
                guard fds[index].revents != 0 else {
                    stillOpen.append(stream)
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(stream.fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR || errno == EAGAIN {
                    stillOpen.append(stream)
                } else if count > 0 {
                    if stream.isOut { output.stdout += buffer[..<count] } else { output.stderr += buffer[..<count] }
                    stillOpen.append(stream)
                }
            }
            streams = stillOpen
        }
        if reap { _ = System.retrying { waitpid(pid, nil, 0) } }
        return output
    }

    /// The read end of a pipe that holds `variables` as a JSON object, its write end closed.
    private func filledPipe(_ variables: [String: String]) throws(ManifestResolveError) -> Int32 {
        let json: [UInt8]
        do {
            json = Array(try JSONEncoder().encode(variables))
        } catch {
            throw .failed("cannot encode the variables for \(executable): \(error)")
        }
        var ends: [Int32] = [-1, -1]
        guard berth_pipe_cloexec(&ends) == 0 else { throw .failed("\(SystemError.current("pipe"))") }
        defer { close(ends[1]) }
        // Room for 1 MB where the system allows it (the default is 64 kB); the write end only never blocks.
        // 1031: F_SETPIPE_SZ, which is Linux-only and not in the Glibc module.
        _ = fcntl(ends[1], 1031, 1 << 20)
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
        do {
            try System.writeAll(ends[1], json)
        } catch {
            close(ends[0])
            throw .failed("the variables (\(json.count) bytes) do not fit a pipe for \(executable): \(error)")
        }
        return ends[0]
    }

    private func spawn(
        _ arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32
    ) throws(ManifestResolveError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, stdout, STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, stderr, STDERR_FILENO)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The daemon's threads may block signals; the CLI runs with none blocked and default dispositions.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        // berthd's own environment.
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw .failed("cannot run \(executable): \(Errno.message(result))")
        }
        return pid
    }
}
