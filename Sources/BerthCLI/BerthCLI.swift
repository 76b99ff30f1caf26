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
            BerthCommand.exit(withError: error)
        }
        var running = command
        do {
            try running.run()
            exit(BerthExitCode.success.rawValue)
        } catch let failure as CLIFailure {
            report(failure)
            exit(failure.exitCode.rawValue)
        } catch {
            BerthCommand.exit(withError: error)
        }
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
