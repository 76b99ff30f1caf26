import Glibc

/// The fixture's switches, from FIXTURE_* environment variables, then overridden by command-line flags.
struct FixtureConfig {
    var port = 0
    var host = "127.0.0.1"
    var readyAfterMs = 0
    var healthFailAfterMs: Int?
    var crashAfterMs: Int?
    var exitCode: Int32 = 1
    var ignoreTerm = false
    var grandchild = false
    var grandchildSetsid = false
    var grandchildSleepMs: Int32 = 30_000
    var logEveryMs: Int?
    var stderrText: String?
    var exitImmediately: Int32?
    var stdoutText: String?
    var notifyReadyAfterMs: Int?
    var watchdogEveryMs: Int?
    var watchdogStopAfterMs: Int?
    var flood: Int?

    static let usage = """
        usage: berth-fixture [--port N] [--host ADDR] [--ready-after MS] [--health-fail-after MS]
                             [--crash-after MS] [--exit-code N] [--ignore-term] [--grandchild]
                             [--grandchild-setsid] [--grandchild-sleep MS] [--log-every MS] [--stderr TEXT]
                             [--exit-immediately N] [--stdout TEXT] [--notify-ready-after MS]
                             [--watchdog-every MS] [--watchdog-stop-after MS] [--flood N]
        Each flag may also be given as FIXTURE_<FLAG> (e.g. FIXTURE_READY_AFTER=500); --port defaults to $PORT.
        """

    private static let flags = [
        "port", "host", "ready-after", "health-fail-after", "crash-after", "exit-code", "ignore-term", "grandchild",
        "grandchild-setsid", "grandchild-sleep", "log-every", "stderr", "exit-immediately", "stdout",
        "notify-ready-after", "watchdog-every", "watchdog-stop-after", "flood",
    ]
    private static let switches: Set = ["ignore-term", "grandchild", "grandchild-setsid"]

    struct UsageError: Error {
        var message: String
    }

    static func load(arguments: [String], environment: (String) -> String?) throws -> FixtureConfig {
        var config = FixtureConfig()
        if let port = environment("PORT") {
            try config.set("port", port)
        }
        for flag in flags {
            let name = "FIXTURE_" + flag.uppercased().replacingDashes()
            if let value = environment(name) {
                try config.set(flag, value)
            }
        }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { throw UsageError(message: "unexpected argument '\(argument)'") }
            var flag = String(argument.dropFirst(2))
            var value: String?
            if let equals = flag.firstIndex(of: "=") {
                value = String(flag[flag.index(after: equals)...])
                flag = String(flag[..<equals])
            }
            guard flags.contains(flag) else { throw UsageError(message: "unknown flag '--\(flag)'") }
            if value == nil {
                if switches.contains(flag) {
                    value = "1"
                } else {
                    index += 1
                    guard index < arguments.count else { throw UsageError(message: "--\(flag) needs a value") }
                    value = arguments[index]
                }
            }
            try config.set(flag, value!)
            index += 1
        }
        return config
    }

    private mutating func set(_ flag: String, _ value: String) throws {
        func number() throws -> Int {
            guard let number = Int(value), number >= 0 else {
                throw UsageError(message: "--\(flag) needs a non-negative number, got '\(value)'")
            }
            return number
        }
        func truth() -> Bool { !["", "0", "false", "no"].contains(value.lowercased()) }
        switch flag {
        case "port": port = try number()
        case "host": host = value
        case "ready-after": readyAfterMs = try number()
        case "health-fail-after": healthFailAfterMs = try number()
        case "crash-after": crashAfterMs = try number()
        case "exit-code": exitCode = Int32(truncatingIfNeeded: try number())
        case "ignore-term": ignoreTerm = truth()
        case "grandchild": grandchild = truth()
        case "grandchild-setsid": grandchildSetsid = truth()
        case "grandchild-sleep": grandchildSleepMs = Int32(truncatingIfNeeded: try number())
        case "log-every": logEveryMs = try number()
        case "stderr": stderrText = value
        case "exit-immediately": exitImmediately = Int32(truncatingIfNeeded: try number())
        case "stdout": stdoutText = value
        case "notify-ready-after": notifyReadyAfterMs = try number()
        case "watchdog-every": watchdogEveryMs = try number()
        case "watchdog-stop-after": watchdogStopAfterMs = try number()
        case "flood": flood = try number()
        default: throw UsageError(message: "unknown flag '--\(flag)'")
        }
    }
}

extension String {
    fileprivate func replacingDashes() -> String {
        String(map { $0 == "-" ? "_" : $0 })
    }
}
