import Foundation

/// Finds programs on a PATH, the way exec(3p) does, so exported units can name them by absolute path.
public enum ProgramSearch {
    /// A resolver over `path` (a `:`-separated PATH value) that returns the first executable file named `name`.
    public static func resolver(path: String) -> @Sendable (String) -> String? {
        let directories = path.split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        return { name in
            for directory in directories {
                let candidate = directory + "/" + name
                if FileManager.default.isExecutableFile(atPath: candidate) {
                    return candidate
                }
            }
            return nil
        }
    }
}
