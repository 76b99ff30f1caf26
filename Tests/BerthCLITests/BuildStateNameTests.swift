import BerthManifest
import Testing

@testable import BerthCLI

/// The daemon finds the fingerprint files the CLI writes by the same name.
@Suite struct BuildStateNameTests {
    @Test(arguments: [
        BuildIdentity(command: ["swift", "build"], workdir: "/w"),
        BuildIdentity(command: ["ab", "c"], workdir: "/"),
        BuildIdentity(command: ["a", "bc"], workdir: "/"),
        BuildIdentity(command: ["make", "-C", "src", "äöü"], workdir: "/srv/app with space"),
    ])
    func theDaemonsNameIsTheCLIs(_ identity: BuildIdentity) {
        #expect(identity.stateName == BuildFingerprint.name(identity))
        #expect(identity.stateName.count == 16)
    }
}
