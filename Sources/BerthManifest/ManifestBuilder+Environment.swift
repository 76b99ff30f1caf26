import Foundation
import Yams

extension ManifestBuilder {
    /// `env_file`s in order, then `env`; later wins.
    func environment(_ reader: MappingReader, keyLocations: inout [String: SourceLocation]) -> [String: String] {
        var result: [String: String] = [:]
        if let node = reader["env_file"] {
            for (path, pathNode) in envFilePaths(node) {
                result.merge(envFile(path, node: pathNode)) { _, new in new }
            }
        }
        if let node = reader["env"], let entries = MappingReader.entries(of: node, key: "env", context: context) {
            for entry in entries {
                keyLocations["env." + entry.key] = context.location(entry.keyNode)
                guard EnvironmentName.isValid(entry.key) else {
                    context.error("invalid environment variable name '\(entry.key)'", at: entry.keyNode)
                    continue
                }
                guard case .scalar = entry.value, let text = entry.value.text else {
                    context.error("env value of '\(entry.key)' must be a string, number or bool, "
                        + "got \(entry.value.summary)", at: entry.value)
                    continue
                }
                result[entry.key] = text
            }
        }
        return result
    }

    private func envFilePaths(_ node: Node) -> [(String, Node)] {
        let items: [Node]
        if case .sequence(let sequence) = node {
            items = Array(sequence)
        } else {
            items = [node]
        }
        return items.compactMap { item in
            guard let text = item.text else {
                context.error("'env_file' must be a path or a list of paths, got \(item.summary)", at: item)
                return nil
            }
            return (PathText.absolute(text, relativeTo: context.directory), item)
        }
    }

    private func envFile(_ path: String, node: Node) -> [String: String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            context.error("env_file '\(path)' not found", at: node)
            return [:]
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            context.error("env_file '\(path)' cannot be read as UTF-8 text", at: node)
            return [:]
        }
        let file = EnvFile(parsing: text)
        for problem in file.problems {
            context.error(problem.message, at: SourceLocation(file: path, line: problem.line, column: problem.column))
        }
        return file.values
    }
}
