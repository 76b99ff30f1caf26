public import BerthManifest

/// The `.env` file beside the manifest, as Compose reads it: `KEY=VALUE` lines that `${...}` can use. The loading
/// process's own environment wins over it, and its values reach no replica unless the manifest puts them in `env:`.
enum DotEnv {
    static let name = ".env"

    /// The file's values; empty when there is none. A file that exists but cannot be read or has bad lines is an
    /// error at its position (its lines are never quoted: a `.env` often holds passwords).
    static func values(besideManifest manifest: String, context: LoadContext) -> [String: String] {
        let path = PathText.directory(of: manifest) + "/" + name
        switch TextFile.contents(path) {
        case .success(let contents):
            context.warnIfOthersCanWrite(path, owner: contents.owner, mode: contents.mode)
            let file = EnvFile(parsing: contents.text, quotingNames: false)
            for problem in file.problems {
                let at = SourceLocation(file: path, line: problem.line, column: problem.column)
                context.error(problem.message, at: at)
            }
            return file.values
        case .failure(.notFound):
            return [:]
        case .failure(let problem):
            context.error("'\(path)' \(problem.description)", at: SourceLocation(file: path, line: 1, column: 1))
            return [:]
        }
    }
}
