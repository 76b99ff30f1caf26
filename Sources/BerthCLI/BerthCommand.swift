public import ArgumentParser

/// The root of `berth`: the command tree that drives a project's daemon through its control socket.
public struct BerthCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Run and supervise the services of a project, behind a built-in HTTP gateway.",
        discussion: """
            Exit codes: 0 success; 1 operation failed, timed out, or manifest invalid; 64 usage error; \
            69 no daemon running for the project; 77 permission denied on the control socket.
            """,
        subcommands: [Up.self, Down.self, Status.self, Scale.self, Start.self, Stop.self, Restart.self,
                      Reload.self, Logs.self, Events.self, Check.self, Export.self, Top.self]
    )

    public init() {}
}
