import BerthManifest
import Testing

@Suite struct CommandLineSplitterTests {
    @Test(arguments: [
        ("python3 server.py", ["python3", "server.py"]),
        ("  sleep   1000  ", ["sleep", "1000"]),
        (#"sh -c 'echo "$HOME" | cat'"#, ["sh", "-c", #"echo "$HOME" | cat"#]),
        (#"echo "a b" c\ d"#, ["echo", "a b", "c d"]),
        (#"echo "quote: \" back: \\ other: \n""#, ["echo", #"quote: " back: \ other: \n"#]),
        (#"echo '' """#, ["echo", "", ""]),
        (#"a"b"'c'"#, ["abc"]),
        ("ls *.txt $HOME | wc", ["ls", "*.txt", "$HOME", "|", "wc"]),
        ("", []),
    ])
    func splitsLikeAShell(text: String, expected: [String]) throws {
        #expect(try CommandLineSplitter.split(text) == expected)
    }

    @Test func rejectsUnbalancedQuotes() {
        #expect(throws: CommandLineSplitError.unbalancedQuote("\"", offset: 5)) {
            try CommandLineSplitter.split(#"echo "hello"#)
        }
        #expect(throws: CommandLineSplitError.unbalancedQuote("'", offset: 8)) {
            try CommandLineSplitter.split("echo a b'c")
        }
    }

    @Test func rejectsTrailingBackslash() {
        #expect(throws: CommandLineSplitError.trailingBackslash) {
            try CommandLineSplitter.split(#"echo a\"#)
        }
    }
}
