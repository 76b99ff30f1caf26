import CBerthShim

/// How a child ended, decoded from the wait status: the supervisor's restart policy and the CLI's messages read it.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32, coreDumped: Bool)
    /// The child never ran its program: setting itself up or `execve` failed after `spawn` had returned (it exited
    /// with 127, which is not reported as such). Not a crash: retrying will not help.
    case execFailed(SpawnError)

    /// true only for `exited(0)`.
    public var succeeded: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code):
            return "exited with status \(code)"
        case .signaled(let signal, let coreDumped):
            return "killed by \(Self.signalName(signal))" + (coreDumped ? " (core dumped)" : "")
        case .execFailed(let error):
            return error.description
        }
    }

    /// Decodes a raw `waitpid` status (only termination statuses are ever passed: no WUNTRACED).
    init(waitStatus status: Int32) {
        if berth_wifsignaled(status) != 0 {
            self = .signaled(berth_wtermsig(status), coreDumped: berth_wcoredump(status) != 0)
        } else {
            self = .exited(berth_wexitstatus(status))
        }
    }

    /// "SIGKILL" for 9 and so on (Linux numbering); "signal N" for numbers outside the table.
    public static func signalName(_ signal: Int32) -> String {
        let index = Int(signal) - 1
        guard index >= 0, index < signalNames.count else { return "signal \(signal)" }
        return "SIG" + signalNames[index]
    }

    private static let signalNames = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
        "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
        "WINCH", "IO", "PWR", "SYS",
    ]
}
