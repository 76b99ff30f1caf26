import BerthManifest
import Testing

@Suite struct SignalsTests {
    @Test(
        arguments: [
            ("SIGTERM", 15), ("TERM", 15), ("15", 15), ("sigkill", 9), ("HUP", 1), ("SIGIOT", 6),
        ] as [(String, Int32)])
    func knowsLinuxSignals(text: String, number: Int32) {
        #expect(Signals.number(named: text) == number)
    }

    @Test func rejectsUnknownSignals() {
        #expect(Signals.number(named: "SIGFOO") == nil)
        #expect(Signals.number(named: "0") == nil)
        #expect(Signals.number(named: "64") == nil)
        #expect(Signals.name(of: 15) == "SIGTERM")
        #expect(Signals.name(of: 99) == nil)
    }
}

@Suite struct ListenAddressTests {
    @Test func parsesTheThreeForms() {
        #expect(ListenAddress.parse("127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(ListenAddress.parse(":8080") == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(ListenAddress.parse("[::1]:8443") == ListenAddress(host: "::1", port: 8443))
        #expect(ListenAddress.parse("localhost:80") == ListenAddress(host: "localhost", port: 80))
    }

    @Test(arguments: ["8080", "host:", "host:0", "host:65536", "::1:80", "[::1]80", "[]:80", "a b:80", "h:80x"])
    func rejectsMalformed(text: String) {
        #expect(ListenAddress.parse(text) == nil)
    }

    @Test func describesIPv6WithBrackets() {
        #expect(ListenAddress(host: "::1", port: 80).description == "[::1]:80")
        #expect(ListenAddress(host: "0.0.0.0", port: 80).description == "0.0.0.0:80")
    }
}
