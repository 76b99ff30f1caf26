import BerthManifest
import BerthManifestYAML

/// Checks, for one input, what the manifest loader must keep whatever bytes a `berth.yaml` holds: a manifest or
/// diagnostics, never a crash or a hang; every diagnostic points at a line and column that exist in the input
/// (`file:line:column`, 1-based); and loading the same bytes twice gives the same answer.
enum ManifestFuzzHarness {
    /// A folder that does not exist, so that `env_file:` and TLS paths in the input read nothing from the machine.
    static let file = "/nonexistent-berth-fuzz/berth.yaml"
    static let environment = ["HOME": "/root", "PORT": "8080", "EMPTY": ""]

    static func run(_ input: UnsafeRawBufferPointer) {
        let bytes = Array(input)
        let first = load(bytes)
        let second = load(bytes)
        switch (first, second) {
        case (.success(let a), .success(let b)):
            check(a == b, "loading twice gave two manifests")
            check(a.warnings.allSatisfy { $0.severity == .warning }, "a warning with error severity")
            checkPositions(a.warnings, bytes: bytes)
        case (.failure(let a), .failure(let b)):
            check(a.diagnostics == b.diagnostics, "loading twice gave different diagnostics:\n\(a)\n--\n\(b)")
            check(!a.errors.isEmpty, "a failed load without an error")
            checkPositions(a.diagnostics, bytes: bytes)
        default:
            check(false, "loading twice gave \(first) and then \(second)")
        }
    }

    static func load(_ bytes: [UInt8]) -> Result<Manifest, ManifestError> {
        Result { () throws(ManifestError) in
            try ManifestLoader.parse(bytes: bytes, file: file, environment: environment)
        }
    }

    static func checkPositions(_ diagnostics: [Diagnostic], bytes: [UInt8]) {
        let lines = YAMLLines(bytes)
        for diagnostic in diagnostics {
            check(!diagnostic.message.isEmpty, "an empty diagnostic message")
            guard let location = diagnostic.location else {
                check(false, "a diagnostic without a position: \(diagnostic)")
                continue
            }
            check(location.file == file, "a diagnostic in another file: \(diagnostic)")
            check(location.line >= 1 && location.column >= 1, "a position before the start: \(diagnostic)")
            check(location.line <= lines.count, "line \(location.line) of \(lines.count): \(diagnostic)")
            guard location.line <= lines.count else { continue }
            let width = lines.width(ofLine: location.line)
            check(location.column <= width + 1, "column \(location.column) of \(width + 1): \(diagnostic)")
        }
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("fuzz invariant broken: \(message())") }
    }
}

/// The lines of the input as YAML counts them (breaks are LF, CR LF, lone CR, NEL, LS and PS; widths in
/// characters), to bound where a diagnostic may point. Bytes that are not UTF-8 count one character each.
struct YAMLLines {
    private var widths: [Int] = [0]

    init(_ bytes: [UInt8]) {
        let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        var index = 0
        while index < scalars.count {
            switch scalars[index] {
            case "\r":
                if index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
                widths.append(0)
            case "\n", "\u{85}", "\u{2028}", "\u{2029}":
                widths.append(0)
            default:
                widths[widths.count - 1] += 1
            }
            index += 1
        }
    }

    var count: Int { widths.count }

    func width(ofLine line: Int) -> Int { widths[line - 1] }
}
