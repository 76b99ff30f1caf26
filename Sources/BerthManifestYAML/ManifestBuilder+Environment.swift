public import BerthManifest
import Yams

extension ManifestBuilder {
    /// The plain environment (`env_file`s in order, then `env`) and the secret one (`secrets:` files in order, then
    /// `env` entries written `{ secret: VALUE }`). A key is in one of them only: a secret wins over an `env_file`
    /// value, and a plain `env` value for a key that a `secrets:` file sets is an error (it would stop being secret).
    func environment(
        _ reader: MappingReader, keyLocations: inout [String: SourceLocation]
    ) -> (plain: [String: String], secrets: [String: SecretValue]) {
        var plain: [String: String] = [:]
        var secrets: [String: SecretValue] = [:]
        var secretSources: [String: String] = [:]
        if let node = reader["env_file"] {
            for (path, pathNode) in filePaths(node, key: "env_file") {
                plain.merge(envFile(path, node: pathNode, secret: false)) { _, new in new }
            }
        }
        if let node = reader["secrets"] {
            for (path, pathNode) in filePaths(node, key: "secrets") {
                for (key, value) in envFile(path, node: pathNode, secret: true) {
                    plain[key] = nil
                    secrets[key] = SecretValue(value)
                    secretSources[key] = path
                }
            }
        }
        guard let node = reader["env"], let entries = MappingReader.entries(of: node, key: "env", context: context)
        else { return (plain, secrets) }
        for entry in entries {
            keyLocations["env." + entry.key] = context.location(entry.keyNode)
            guard EnvironmentName.isValid(entry.key) else {
                context.error("invalid environment variable name '\(entry.key)'", at: entry.keyNode)
                continue
            }
            if case .mapping = entry.value {
                guard let secret = secretValue(entry) else { continue }
                plain[entry.key] = nil
                secrets[entry.key] = secret
                continue
            }
            guard case .scalar = entry.value, let text = entry.value.text else {
                context.error(
                    "env value of '\(entry.key)' must be a string, number, bool or { secret: VALUE }, "
                        + "got \(entry.value.summary)", at: entry.value)
                continue
            }
            if text.utf8.contains(0) {
                context.error("env value of '\(entry.key)': \(EnvFile.nulMessage)", at: entry.value)
                continue
            }
            if let source = secretSources[entry.key] {
                context.error(
                    "'\(entry.key)' is a secret from '\(source)'; a plain env value cannot replace it "
                        + "(write { secret: VALUE } or remove one of them)", at: entry.keyNode)
                continue
            }
            plain[entry.key] = text
        }
        return (plain, secrets)
    }

    /// `{ secret: VALUE }`; the value is never quoted in a diagnostic.
    private func secretValue(_ entry: MappingReader.Entry) -> SecretValue? {
        guard
            let reader = MappingReader(
                entry.value, key: entry.key, section: ManifestSchema.secretValue,
                owner: "env value '\(entry.key)'", context: context)
        else { return nil }
        guard let node = reader["secret"] else {
            if reader.unknownKeys.isEmpty {
                context.error("env value '\(entry.key)' needs a value: { secret: VALUE }", at: entry.value)
            }
            return nil
        }
        guard case .scalar = node, let text = node.text else {
            context.error(
                "the secret of '\(entry.key)' must be a string, number or bool, got "
                    + (node.text == nil && !node.isNull ? node.summary : "nothing"), at: node)
            return nil
        }
        guard !text.utf8.contains(0) else {
            context.error("the secret of '\(entry.key)': \(EnvFile.nulMessage)", at: node)
            return nil
        }
        return SecretValue(text)
    }

    private func filePaths(_ node: Node, key: String) -> [(String, Node)] {
        let items: [Node]
        if case .sequence(let sequence) = node {
            items = Array(sequence)
        } else {
            items = [node]
        }
        return items.compactMap { item in
            guard let text = item.text else {
                context.error("'\(key)' must be a path or a list of paths, got \(item.summary)", at: item)
                return nil
            }
            guard context.visible(text, key: key, at: item) != nil else { return nil }
            return (PathText.absolute(text, relativeTo: context.directory), item)
        }
    }

    /// Reads an `env_file` or a `secrets:` file (same format). Problems in a secrets file never quote its text.
    private func envFile(_ path: String, node: Node, secret: Bool) -> [String: String] {
        let what = secret ? "secrets file" : "env_file"
        let text: String
        switch TextFile.contents(path) {
        case .success(let contents):
            text = contents.text
            if secret, contents.mode & 0o077 != 0 {
                let octal = String(contents.mode & 0o777, radix: 8)
                context.warning(
                    "secrets file '\(path)' can be read or written by other users (mode \(octal)); "
                        + "chmod 600 it", at: context.location(node))
            } else {
                context.warnIfOthersCanWrite(
                    path, owner: contents.owner, mode: contents.mode, at: context.location(node))
            }
        case .failure(let problem):
            context.error("\(what) '\(path)' \(problem.description)", at: node)
            return [:]
        }
        let file = EnvFile(parsing: text, quotingNames: !secret)
        for problem in file.problems {
            context.error(problem.message, at: SourceLocation(file: path, line: problem.line, column: problem.column))
        }
        return file.values
    }
}
