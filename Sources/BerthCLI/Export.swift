import ArgumentParser

extension BerthCommand {
    /// `berth export`: hands a project to a real engine (Kubernetes, systemd) instead of growing Berth into one.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the manifest as Kubernetes objects or systemd units.",
            subcommands: [ExportKubernetes.self, ExportSystemd.self]
        )
    }
}
