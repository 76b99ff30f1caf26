import BerthManifest
import Testing

@Suite struct EnvFileTests {
    /// audit3: Compose users write `PORT=8080 # web`; the value was "8080 # web". A `#` not after a blank stays.
    @Test func aCommentAfterAnUnquotedValueIsNotPartOfIt() {
        let file = EnvFile(parsing: "PORT=8080 # web\nPASS=a#b\nTAB=x\t# t\nHASH=#all\nQUOTED=\"a # b\"\n")
        #expect(file.problems == [])
        #expect(file.values == ["PORT": "8080", "PASS": "a#b", "TAB": "x", "HASH": "#all", "QUOTED": "a # b"])
    }

    @Test func parsesCommentsExportsAndQuotes() {
        let file = EnvFile(
            parsing: """
                # a comment
                PLAIN=value with spaces   

                export EXPORTED=yes
                SINGLE='it is ${NOT} $$ interpolated \\n'
                DOUBLE="line\\nbreak \\"quoted\\""
                EMPTY=
                EQUALS=a=b
                QUOTED_COMMENT="x" # trailing comment
                PLAIN=overridden\r
                """)
        #expect(file.problems == [])
        #expect(
            file.values == [
                "PLAIN": "overridden",
                "EXPORTED": "yes",
                "SINGLE": "it is ${NOT} $$ interpolated \\n",
                "DOUBLE": "line\nbreak \"quoted\"",
                "EMPTY": "",
                "EQUALS": "a=b",
                "QUOTED_COMMENT": "x",
            ])
        #expect(file.entries.first?.line == 2)
    }

    @Test func reportsEveryBadLineWithPosition() {
        let file = EnvFile(
            parsing: """
                GOOD=1
                no equals here
                  1BAD=x
                OPEN="unterminated
                AFTER='x' y
                """)
        #expect(file.values == ["GOOD": "1"])
        #expect(
            file.problems.map(\.message) == [
                "expected KEY=VALUE",
                "invalid environment variable name '1BAD'",
                "unbalanced double quote in value",
                "unexpected text after the closing quote",
            ])
        #expect(file.problems.map(\.line) == [2, 3, 4, 5])
        #expect(file.problems.map(\.column) == [1, 3, 6, 7])
    }
}
