/// Linux x86_64 signal names and numbers, so manifests can say `SIGTERM`, `TERM` or `15` without importing Glibc.
public enum Signals {
    /// Canonical names by number (standard signals 1...31).
    public static let names: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
        9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU",
        23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO",
        30: "SIGPWR", 31: "SIGSYS",
    ]

    private static let aliases: [String: Int32] = ["SIGIOT": 6, "SIGPOLL": 29, "SIGCLD": 17]

    private static let numbers: [String: Int32] = {
        var table = aliases
        for (number, name) in names {
            table[name] = number
        }
        return table
    }()

    /// Accepts `SIGTERM`, `TERM`, `sigterm` or `15`; nil for unknown signals.
    public static func number(named text: String) -> Int32? {
        if let number = Int32(text) {
            return names[number] == nil ? nil : number
        }
        let upper = text.uppercased()
        return numbers[upper.hasPrefix("SIG") ? upper : "SIG" + upper]
    }

    /// The canonical name, e.g. `SIGTERM` for 15; nil for unknown numbers.
    public static func name(of number: Int32) -> String? {
        names[number]
    }
}
