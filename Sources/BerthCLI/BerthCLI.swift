import ArgumentParser

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The entry point of the `berth` executable: parse, run, and turn every failure into its exit status.
public enum BerthCLI {
    /// Runs the command line of this process and exits.
    public static func main(_ arguments: [String]? = nil) -> Never {
        let command: any ParsableCommand
        do {
            command = try BerthCommand.parseCommandLine(arguments ?? Array(CommandLine.arguments.dropFirst()))
        } catch {
            exitRefusing(error)
        }
        var running = command
        do {
            try running.run()
            exit(BerthExitCode.success.rawValue)
        } catch let failure as CLIFailure {
            report(failure)
            exit(failure.exitCode.rawValue)
        } catch {
            exitRefusing(error)
        }
    }

    /// ArgumentParser's report of what it refused, as `BerthCommand.exit(withError:)` prints it, but with control
    /// characters made visible: its messages quote the arguments (`'web\x1b[2J' is not a service or replica`), and
    /// a name pasted from a replica's output, a file or a script's variable went to the terminal raw (audit11). Help
    /// and other clean exits are printed as they are.
    static func exitRefusing(_ error: any Error) -> Never {
        let code = BerthCommand.exitCode(for: error)
        guard !code.isSuccess else { BerthCommand.exit(withError: error) }
        let text = refusalText(error)
        if !text.isEmpty { Terminal.error(text) }
        exit(code.rawValue)
    }

    /// The refusal's text, line by line through `TerminalText.visible` (which would show a newline as `\x0a`).
    static func refusalText(_ error: any Error) -> String {
        BerthCommand.fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
            .map { TerminalText.visible(String($0)) }.joined(separator: "\n")
    }

    /// Prints a failure as `berth: MESSAGE` plus its detail lines on stderr, control characters made visible (a
    /// daemon's message may quote a replica).
    static func report(_ failure: CLIFailure) {
        Terminal.error("berth: \(TerminalText.visible(failure.message))")
        for line in failure.details {
            Terminal.error(TerminalText.visible(line))
        }
    }
}
