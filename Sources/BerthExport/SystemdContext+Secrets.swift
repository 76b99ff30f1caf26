import BerthManifest

extension SystemdContext {
    /// `PROJECT-SERVICE.secrets`, next to the units in the output folder.
    func secretsFileName(_ service: String) -> String {
        "\(manifest.project)-\(service).secrets"
    }

    /// Where the unit expects it: the documented install copies the folder to /etc/systemd/system (`cp` keeps the
    /// mode 0600 of a file it creates).
    func secretsInstallPath(_ service: String) -> String {
        "/etc/systemd/system/" + secretsFileName(service)
    }

    /// The service's secrets in `EnvironmentFile=` syntax (every value double-quoted with `\`, `"`, `` ` `` and `$`
    /// escaped, which systemd's parser undoes; a newline stays literal inside the quotes), or nil without secrets.
    /// Per-replica variables cannot be filled in per instance in one file: such a value is written as `${NAME}` text
    /// with a warning.
    mutating func secretsFile(_ service: ServiceSpec) -> String? {
        guard !service.secrets.isEmpty else { return nil }
        var lines = ["# Secrets of \(manifest.project)/\(service.name): keep this file mode 0600, owned by root."]
        for name in service.secrets.keys.sorted() {
            let value = service.secrets[name]!.revealed
            if ReplicaVariables.hasPlaceholders(value) {
                diagnostics.warning(
                    "secret '\(name)' of service '\(service.name)' uses a per-replica variable, "
                        + "which an EnvironmentFile cannot fill in; it is written as ${NAME}",
                    at: service.location(of: "env." + name))
            }
            lines.append(name + "=" + Self.quotedEnvironmentValue(ReplicaVariables.display(value)))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quotedEnvironmentValue(_ value: String) -> String {
        var quoted = "\""
        for character in value {
            if "\\\"`$".contains(character) { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}
