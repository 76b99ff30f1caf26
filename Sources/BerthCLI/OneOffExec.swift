#if canImport(Glibc)
    import Glibc
#endif

/// Turns this process into a `OneOffPlan`'s command: switch user (as root), change directory, exec. Returns only by
/// throwing, before anything irreversible failed halfway (a failed exec exits 126 or 127 as a shell would).
enum OneOffExec {
    static func exec(_ plan: OneOffPlan) throws(CLIFailure) -> Never {
        guard let program = plan.arguments.first, !program.isEmpty else {
            throw CLIFailure(.usage, "nothing to run: give a command after --")
        }
        if let account = plan.account, account.uid != geteuid() || account.gid != getegid() {
            // Groups first, while still root: the supplementary groups of the user, then its gid, then its uid.
            guard initgroups(account.name, account.gid) == 0, setgid(account.gid) == 0, setuid(account.uid) == 0,
                getuid() == account.uid, geteuid() == account.uid
            else {
                throw .failed("cannot switch to user \(account.name): \(String(cString: strerror(errno)))")
            }
        }
        guard chdir(plan.workdir) == 0 else {
            throw .failed("cannot enter the service's workdir \(plan.workdir): \(String(cString: strerror(errno)))")
        }
        let path = resolve(program, searchPath: plan.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        let argv = plan.arguments.map { strdup($0) } + [nil]
        let envp = plan.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        execve(path, argv, envp)
        let code = errno
        Terminal.error("berth: cannot run \(program): \(String(cString: strerror(code)))")
        exit(code == ENOENT ? 127 : 126)
    }

    /// `program` as execvp would find it, but in the command's own `PATH` rather than berth's.
    static func resolve(_ program: String, searchPath: String) -> String {
        guard !program.contains("/") else { return program }
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return program
    }
}
