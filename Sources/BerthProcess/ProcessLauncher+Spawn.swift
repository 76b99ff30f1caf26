import CBerthShim
import Glibc

extension ProcessLauncher {
    /// Starts a child in its own session and process group (pid == pgid, from the child's `setsid` on, a moment
    /// after this returns: `signalGroup` covers that moment), stdin from /dev/null.
    ///
    /// Returns as soon as the child is cloned (sharing the daemon's memory until it execs, not copying it as a fork
    /// would: process.c): it does not wait for the child to reach `execve` (on a busy machine that wait is the
    /// child's scheduling delay, and it would serialize spawns: measured with a vfork-style clone, issue 16, 100
    /// spawns took 3x as long on a loaded machine). Throws what can be known before cloning (no such program on the
    /// child's PATH, not executable, no working directory, unknown user or group, pipe/mmap/clone errors). A failure in the child after that (chdir, setuid, execve: a bad `#!` interpreter, a binary
    /// removed in between) is reported through `onExit` as `.execFailed`. Once this returns, `onExit` will be called
    /// exactly once.
    public func spawn(
        _ request: SpawnRequest,
        onOutput: @escaping @Sendable (OutputLine) -> Void,
        onExit: @escaping @Sendable (ExitStatus) -> Void
    ) throws(SpawnError) -> Int32 {
        guard let program = request.arguments.first else { throw .executableNotFound("") }
        try ExecutableResolver.checkWorkingDirectory(request.workingDirectory)
        let path = try ExecutableResolver.resolve(
            program, path: request.environment["PATH"], workingDirectory: request.workingDirectory)
        let identity = try Identity.resolve(user: request.user, group: request.group)
        // The exec report pipe, and stdout and stderr pipes: both ends exist until the fork.
        // (and the pidfd the pump watches for the exit).
        try DescriptorBudget.reserve(request.captureOutput ? 7 : 3)
        let pipes = try request.captureOutput ? OutputPipes.make() : nil

        let forked = fork(request, path: path, identity: identity, pipes: pipes, onExit: onExit)
        pipes?.closeWriteEnds()
        let (pid, childID, execReport, pidfd, arena): (Int32, UInt64, Int32, Int32, UInt)
        switch forked {
        case .failure(let error):
            pipes?.closeReadEnds()
            throw error
        case .success(let started):
            (pid, childID, execReport, pidfd, arena) = started
        }
        reaper.watchExit(pidfd, pid: pid, childID: childID)

        // The pump owns the read ends from here on (it closes them at EOF, also when the exec fails), and reads
        // before the exit can be reported: the output grace only starts once the exec outcome is known.
        if let pipes {
            capture(pipes, pid: pid, childID: childID, valve: request.outputValve, onOutput: onOutput)
        }
        let directory = request.workingDirectory
        watchExecReport(execReport, childID: childID, arena: arena, onExec: request.onExec) { stage, code in
            SpawnFailure(stage: stage, errno: code).error(path: path, workingDirectory: directory, identity: identity)
        }
        return pid
    }

    /// Starts the child under the reaper's lock and registers it before the lock is released. The child's arena (its
    /// stack and its copy of the parameters, process.c) is returned as an address, released at the exec report's EOF.
    private func fork(
        _ request: SpawnRequest,
        path: String,
        identity: Identity?,
        pipes: OutputPipes?,
        onExit: @escaping @Sendable (ExitStatus) -> Void
    ) -> Result<(Int32, UInt64, Int32, Int32, UInt), SpawnError> {
        let argv = CStringArray(request.arguments)
        let envp = CStringArray(request.environment.map { "\($0.key)=\($0.value)" })
        let groups = identity?.groups ?? []
        let cgroups = CStringArray(request.cgroupProcs)
        var execReport: Int32 = -1
        var pidfd: Int32 = -1
        var arena: UnsafeMutableRawPointer? = nil
        var code: Int32 = 0
        let registered = path.withCString { cPath in
            request.workingDirectory.withCString { cWorkdir in
                groups.withUnsafeBufferPointer { cGroups in
                    var params = berth_spawn_params()
                    params.path = cPath
                    params.argv = argv.pointer
                    params.envp = envp.pointer
                    params.workdir = request.workingDirectory.isEmpty ? nil : cWorkdir
                    params.stdout_fd = pipes?.stdoutWrite ?? -1
                    params.stderr_fd = pipes?.stderrWrite ?? -1
                    params.nofile_soft = UInt(childOpenFileLimit ?? 0)
                    params.cgroup_procs = UnsafeRawPointer(cgroups.pointer)
                        .assumingMemoryBound(to: UnsafePointer<CChar>?.self)
                    params.ncgroup_procs = Int32(request.cgroupProcs.count)
                    if let files = request.openFilesLimit {
                        params.set_nofile = 1
                        params.nofile_limit = UInt64(max(0, files))
                    }
                    if let core = request.coreLimit {
                        params.set_core = 1
                        params.core_limit = UInt64(max(0, core))
                    }
                    if let identity {
                        params.switch_user = identity.uid == nil ? 0 : 1
                        params.switch_group = identity.uid == nil ? 1 : 0
                        params.uid = identity.uid ?? 0
                        params.gid = identity.gid
                        params.groups = cGroups.baseAddress
                        params.ngroups = Int32(cGroups.count)
                    }
                    return reaper.register(
                        launcherID: launcherID, openStreams: pipes == nil ? 0 : 2, onExit: onExit,
                        onDeath: request.onDeath
                    ) {
                        let pid = berth_spawn_start(&params, &execReport, &arena, &code)
                        guard pid > 0 else { return nil }
                        // Under the reaper's lock: the child cannot have been reaped, so the pidfd is its own.
                        pidfd = opensPidfds ? berth_pidfd_open(pid) : -1
                        return pid
                    }
                }
            }
        }
        guard let registered else { return .failure(.systemCall("clone", errno: code)) }
        return .success((registered.pid, registered.childID, execReport, pidfd, UInt(bitPattern: arena)))
    }

    /// Hands the pipes' read ends to the pump; each EOF counts down the child's open streams.
    private func capture(
        _ pipes: OutputPipes, pid: Int32, childID: UInt64, valve: OutputValve?,
        onOutput: @escaping @Sendable (OutputLine) -> Void
    ) {
        let reaper = self.reaper
        let stamped: @Sendable (OutputLine) -> Void = { line in
            var line = line
            line.pid = pid
            onOutput(line)
        }
        for (fd, stream) in [(pipes.stdoutRead, OutputLine.Stream.stdout), (pipes.stderrRead, .stderr)] {
            do {
                // The pump thread must never wait for the reaper's lock (a fork may hold it): counted on the pump
                // when the lock is free, else on the reaper queue.
                try reaper.pump.add(fd: fd, group: childID, stream: stream, valve: valve, onLine: stamped) {
                    reaper.streamClosedOnPump(childID: childID)
                }
            } catch {
                // Only under resource exhaustion: the stream counts as closed so that the exit is still reported.
                close(fd)
                reaper.streamClosed(childID: childID)
            }
        }
    }

    /// Hands the exec report pipe to the pump: EOF without data means the child exec'd, data is a failure. At EOF the
    /// child has left the daemon's memory (exec'd or exited): its arena is released.
    private func watchExecReport(
        _ fd: Int32, childID: UInt64, arena: UInt, onExec: (@Sendable (Bool) -> Void)?,
        describe: @escaping @Sendable (Int32, Int32) -> SpawnError
    ) {
        let reaper = self.reaper
        let decided: @Sendable ([UInt8], Bool) -> Void = { report, onPump in
            berth_spawn_release(UnsafeMutableRawPointer(bitPattern: arena))
            var stage: Int32 = 0
            var code: Int32 = 0
            let failed = report.withUnsafeBytes { berth_spawn_decode_report($0.baseAddress, $0.count, &stage, &code) }
            let failure = failed == 0 ? nil : describe(stage, code)
            onExec?(failure == nil)
            if onPump {
                reaper.execReportedOnPump(childID: childID, failure: failure)
            } else {
                reaper.execReported(childID: childID, failure: failure)
            }
        }
        do {
            // On the pump, where the report's EOF is read: no other thread is woken while the new child starts.
            try reaper.pump.collect(fd: fd, group: childID) { report in decided(report, true) }
        } catch {
            // Only under resource exhaustion: wait for the exec here, as a blocking read.
            let report = ExecReport.readToEnd(fd)
            close(fd)
            reaper.queue.async { decided(report, false) }
        }
    }
}
