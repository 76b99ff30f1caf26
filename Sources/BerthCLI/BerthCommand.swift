public import ArgumentParser

/// The root of `berth`: the command tree that drives a project's daemon through its control socket.
public struct BerthCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Run and supervise the services of a project, behind a built-in HTTP gateway.",
        discussion: """
            Exit codes: 0 success; 1 operation failed, timed out, or manifest invalid; 64 usage error; \
            69 no daemon running for the project; 77 permission denied on the control socket.

            -f/--file FILE and --socket PATH may also come before the command (berth -f stack.yaml logs -f); \
            without them, the manifest is $BERTH_FILE, else berth.yaml.
            """,
        subcommands: [
            Up.self, Down.self, Status.self, Scale.self, Start.self, Stop.self, Restart.self,
            Reload.self, Logs.self, Events.self, Dashboard.self, Check.self, Export.self, Run.self,
            Exec.self, Top.self, RunNow.self,
            Resolve.self,
        ]
    )

    public init() {}

    /// Parses a command line (without the program's name), project options before the command included.
    static func parseCommandLine(_ arguments: [String]) throws -> any ParsableCommand {
        do {
            return try parseAsRoot(GlobalArguments.hoist(arguments))
        } catch let failure as GlobalArguments.Failure {
            throw ValidationError(failure.description)
        }
    }
}
