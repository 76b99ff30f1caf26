import ArgumentParser
import BerthManifest
import BerthManifestYAML
import Foundation

/// Shell completion of service names (`berth restart <TAB>`), read from the manifest the command line names:
/// `-f/--file FILE` among the words typed so far, else `BERTH_FILE`, else `berth.yaml` here. Completion must never
/// fail loudly: a missing or broken manifest completes nothing.
enum ServiceCompletion {
    static let services = CompletionKind.custom { words, _, prefix in names(words: words, prefix: prefix) }

    /// Service names starting with `prefix`, sorted.
    static func names(
        words: [String], prefix: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [String] {
        let path = ManifestPath.resolve(file(in: words), environment: environment)
        guard let manifest = try? ManifestLoader.load(path: path, environment: environment, accounts: .skip) else {
            return []
        }
        return manifest.services.keys.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The value of the last `-f FILE`, `--file FILE` or `--file=FILE` among the words.
    static func file(in words: [String]) -> String? {
        var found: String?
        for (position, word) in words.enumerated() {
            if word.hasPrefix("--file=") {
                found = String(word.dropFirst("--file=".count))
            } else if word == "-f" || word == "--file", position + 1 < words.count {
                // After `logs`, `-f` is --follow: its next word is not a file unless it looks like one.
                let next = words[position + 1]
                if word == "--file" || next.hasSuffix(".yaml") || next.hasSuffix(".yml") { found = next }
            }
        }
        return found
    }
}
