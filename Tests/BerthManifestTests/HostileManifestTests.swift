import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

/// Manifests from arbitrary bytes (what `manifest-fuzz` feeds the loader): a manifest or diagnostics that point at
/// a real `file:line:column`, never a crash. The seeds in Tests/fuzz-corpus/manifest are what their names say.
@Suite struct HostileManifestTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz-corpus/manifest")

    static func seeds(_ prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted()
    }

    static func load(_ bytes: [UInt8]) -> Result<Manifest, ManifestError> {
        Result { () throws(ManifestError) in
            try ManifestLoader.parse(bytes: bytes, file: "/nonexistent-berth/berth.yaml", environment: [:])
        }
    }

    static func errors(_ text: String) -> [String] {
        errors(Array(text.utf8))
    }

    static func errors(_ bytes: [UInt8]) -> [String] {
        guard case .failure(let error) = load(bytes) else { return [] }
        return error.diagnostics.map(\.description)
    }

    @Test func corpusIsThere() {
        #expect(Self.seeds("ok-").count >= 4)
        #expect(Self.seeds("bad-").count >= 15)
    }

    @Test(arguments: seeds("bad-"))
    func brokenSeedsGiveOnlyPositionedDiagnostics(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        guard case .failure(let error) = Self.load(bytes) else {
            Issue.record("\(name) loaded")
            return
        }
        #expect(!error.errors.isEmpty)
        for diagnostic in error.diagnostics {
            let location = try #require(diagnostic.location, "\(name): \(diagnostic)")
            #expect(location.line >= 1 && location.column >= 1, "\(name): \(diagnostic)")
        }
    }

    @Test func invalidUTF8IsPositionedAtTheFirstBadByte() {
        let bytes = Array("services:\n  web:\n    command: caf".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        #expect(Self.errors(bytes) == ["/nonexistent-berth/berth.yaml:3:17: error: the manifest is not valid UTF-8"])
        #expect(Self.errors([0xFF]) == ["/nonexistent-berth/berth.yaml:1:1: error: the manifest is not valid UTF-8"])
        let multibyte = Array("é: x\n€".utf8) + [0x80]
        #expect(Self.errors(multibyte) == ["/nonexistent-berth/berth.yaml:2:2: error: the manifest is not valid UTF-8"])
    }

    /// Found by manifest-fuzz: a reader error (a NUL) after a CR LF was reported on line 1, past its end, because
    /// the byte offset was counted in grapheme clusters, of which CR LF is one that is not "\n".
    @Test func readerErrorsArePositionedOnTheirLine() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("services:\r\n  w\u{0}eb:\r\n".utf8)
        #expect(
            Self.errors(bytes)
                == ["/nonexistent-berth/berth.yaml:2:4: error: invalid YAML: control characters are not allowed"])
        #expect(
            Self.errors("a: 1\rb: \u{0}") == [
                "/nonexistent-berth/berth.yaml:2:4: error: invalid YAML: control characters are not allowed"
            ])
    }

    /// Found by manifest-fuzz: a syntax error at the end of a file without a final newline was reported one line
    /// past the last (libyaml ends the stream with an implicit line break).
    @Test func syntaxErrorsAtTheEndStayInsideTheFile() {
        let errors = Self.errors("services:\n  web:\n    command: x\n  inp")
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("/nonexistent-berth/berth.yaml:4:6: error: invalid YAML") == true, "\(errors)")
    }

    /// Found by manifest-fuzz: an interpolation error in a plain scalar folded over two lines was placed at the
    /// scalar's column plus the offset, past the end of its first line. Now the position is exact only where the
    /// source shows the value as is; elsewhere it is the scalar's start.
    @Test func interpolationErrorsInFoldedOrEscapedScalarsStayOnTheirLine() {
        let folded = Self.errors("name: a\n  b ${1x}\nservices: {}\n")
        #expect(
            folded.contains { $0.hasPrefix("/nonexistent-berth/berth.yaml:1:7: error: invalid variable name") },
            "\(folded)")
        let escaped = Self.errors("name: \"\\t\\t\\t\\t${1x}\"\nservices: {}\n")
        #expect(
            escaped.contains { $0.hasPrefix("/nonexistent-berth/berth.yaml:1:7: error: invalid variable name") },
            "\(escaped)")
        let plain = Self.errors("name: ab ${1x}\nservices: {}\n")
        #expect(
            plain.contains { $0.hasPrefix("/nonexistent-berth/berth.yaml:1:10: error: invalid variable name") },
            "\(plain)")
    }

    /// Found by manifest-fuzz: Yams reports duplicate keys from a Set, so the message listed them in a different
    /// order from one load to the next.
    @Test func duplicateKeysAreListedInOneOrder() {
        let text = "services: {}\nd: 1\nb: 1\nc: 1\nd: 2\nb: 2\nc: 2\n"
        let first = Self.errors(text)
        #expect(first.contains { $0.hasSuffix("error: duplicate keys 'b', 'c', 'd' in a mapping") }, "\(first)")
        for _ in 0..<20 {
            #expect(Self.errors(text) == first)
        }
        // With a key that is not a string, Yams' mark is any of the duplicates: the start of the file instead.
        let mixed = "services: {}\nb: 1\n? [x]\n: 1\nb: 2\n? [x]\n: 2\n"
        let expected = "/nonexistent-berth/berth.yaml:1:1: error: duplicate keys '<uncovertable>', 'b' in a mapping"
        for _ in 0..<20 {
            #expect(Self.errors(mixed).contains(expected), "\(Self.errors(mixed))")
        }
    }

    /// Aliases of aliases ("billion laughs"): 583 bytes that describe 10^10 nodes. The loader hung; now it stops at
    /// `NodeBudget.maximumNodes`.
    @Test func aliasBombsAreRefusedQuickly() throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1..<10 {
            let references = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(references)]")
        }
        lines.append("services: {}")
        let started = ContinuousClock.now
        let errors = Self.errors(lines.joined(separator: "\n"))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(errors.count == 1)
        #expect(errors.first?.contains("expands to more than 100000 YAML nodes") == true, "\(errors)")
        // Anchors and merge keys as people use them still load.
        let merge = "defaults: &d\n  replicas: 2\nservices:\n  web:\n    <<: *d\n    command: ./web\n"
        #expect(!Self.errors(merge).contains { $0.contains("YAML nodes") })
    }

    /// Found by manifest-fuzz in CI: an alias of aliases used as a mapping *key*. Yams hashes every key to find
    /// duplicates while it composes, so the key's 10^10 expanded nodes were hashed before the budget was checked on
    /// the composed tree, and the loader hung. The budget is now spent on libyaml's events, before composing.
    @Test func aliasBombsAsKeysAreRefusedBeforeComposing() throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1..<10 {
            let references = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(references)]")
        }
        lines.append("b: {*a9: 1}")
        lines.append("c:\n  ? *a8\n  : 1")
        lines.append("services: {}")
        let errors = Self.errors(lines.joined(separator: "\n"))
        // a3 (line 4) holds 11,111 nodes, a4 (line 5) 111,111: its eighth alias of a3 crosses the budget.
        #expect(
            errors == [
                "/nonexistent-berth/berth.yaml:5:45: error: the manifest expands to more than 100000 YAML nodes "
                    + "(aliases of aliases?)"
            ])
        // A key that is an alias of a small anchor still loads (and its duplicate is still found by Yams).
        let small = "k: &k [a, b]\nm: {*k: 1, *k: 2}\nservices: {}\n"
        #expect(Self.errors(small).contains { $0.contains("duplicate key") }, "\(Self.errors(small))")
    }

    /// Found by manifest-fuzz: 40 unknown keys in an anchor merged into 60 services are 2,400 diagnostics, and each
    /// was searched for among those before it (2.2 s for 2.3 KB; over 10 s under the fuzzer's sanitizer). A load
    /// now lists at most 100, then one note where the first unlisted problem is.
    @Test func aLoadListsAtMostAHundredProblemsAndSaysSo() throws {
        let name = "bad-regress-unknown-keys-merged-into-many-services.yaml"
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        let errors = Self.errors(bytes)
        #expect(errors.count == 101, "\(errors.count)")
        #expect(errors.filter { $0.contains("berth lists at most 100 problems and found more") }.count == 1)
        // The anchor's own key `x` is unknown in the manifest too.
        #expect(errors.filter { $0.contains("unknown key '") }.count == 100)
        // The same anchor merged into fewer services lists every problem, each once, and no note.
        let few = "x: &a {zz: 1, yy: 2}\nservices:\n  a: {<<: *a, command: x}\n  b: {<<: *a, command: x}\n"
        let listed = Self.errors(few)
        #expect(listed.count == 5, "\(listed)")
        #expect(!listed.contains { $0.contains("berth lists at most") })
    }

    /// Past the cap, a load with only warnings listed still fails with an error shown when an unlisted problem is
    /// an error: the note becomes that error.
    @Test func theNoteIsAnErrorWhenAnUnlistedProblemIs() throws {
        // 120 services waiting for a service scaled to zero are warnings, read before `zz`'s unknown dependency
        // (services are checked by name).
        var text = "services:\n  zero: {command: x, replicas: 0}\n"
        for index in 0..<120 {
            text += "  w\(index): {command: x, depends_on: [zero]}\n"
        }
        text += "  zz: {command: x, depends_on: [nowhere]}\n"
        guard case .failure(let error) = Self.load(Array(text.utf8)) else {
            Issue.record("the load must fail")
            return
        }
        #expect(error.diagnostics.count == 101)
        let note = error.diagnostics.first { $0.message.contains("berth lists at most 100 problems") }
        #expect(note?.severity == .error, "\(error.diagnostics.suffix(3))")
        #expect(!error.errors.isEmpty)
    }

    /// A load whose files hold no `$` skips interpolation (its walk of a 100,000-node tree was most of the time of
    /// the fuzzer's slowest inputs), but a `$` written as an escape in a double-quoted scalar is still one.
    @Test func anEscapedDollarIsStillInterpolated() {
        let escaped = "services:\n  web:\n    command: \"echo \\x24{BERTH_TEST_UNSET_VARIABLE}\"\n"
        let errors = Self.errors(escaped)
        #expect(errors.contains { $0.contains("BERTH_TEST_UNSET_VARIABLE") }, "\(errors)")
        let plain = "services:\n  web:\n    command: echo ${BERTH_TEST_UNSET_VARIABLE}\n"
        #expect(Self.errors(plain).contains { $0.contains("BERTH_TEST_UNSET_VARIABLE") })
    }

    @Test func loadingFromAFileAndFromBytesAgree() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let text = "services:\n  web:\n    command: ./web\n    replicas: x\n"
        try folder.write("berth.yaml", text)
        let file = folder.path + "/berth.yaml"
        let fromFile = Result { () throws(ManifestError) in try ManifestLoader.load(path: file, environment: [:]) }
        let fromBytes = Result { () throws(ManifestError) in
            try ManifestLoader.parse(bytes: Array(text.utf8), file: file, environment: [:])
        }
        guard case .failure(let a) = fromFile, case .failure(let b) = fromBytes else {
            Issue.record("both loads must fail: \(fromFile) \(fromBytes)")
            return
        }
        #expect(a.diagnostics == b.diagnostics)
    }
}
