import ArgumentParser
import BerthControlClient
import BerthControlProtocol
import Testing

@testable import BerthCLI

struct ExitCodeTests {
    @Test func theDocumentedValues() {
        #expect(BerthExitCode.allCases.map(\.rawValue) == [0, 1, 64, 69, 77, 125])
        #expect(BerthExitCode.usage.rawValue == ExitCode.validationFailure.rawValue)
    }

    @Test(arguments: [
        (ControlClientError.noDaemon(socket: "/run/berth/shop/control.sock"), BerthExitCode.noDaemon),
        (.permissionDenied(socket: "/run/berth/shop/control.sock"), .permissionDenied),
        (.api(.unknownService("nope")), .failure),
        (.api(.timeout("still starting")), .failure),
        (.protocolError("bad JSON"), .failure),
        (.timeout, .failure),
        (.io("connection reset"), .failure),
    ])
    func mapsEveryClientError(_ error: ControlClientError, _ code: BerthExitCode) {
        let failure = CLIFailure(error, project: "project shop")
        #expect(failure.exitCode == code)
        #expect(!failure.message.contains("\n"))
        #expect(failure.details.isEmpty)
    }

    @Test func messagesNameTheProjectAndWhatHappened() {
        let socket = "/run/berth/shop/control.sock"
        #expect(
            CLIFailure(.noDaemon(socket: socket), project: "project shop").message
                == "no daemon running for project shop (nothing answers on \(socket)); start it with 'berth up'"
        )
        #expect(
            CLIFailure(.permissionDenied(socket: socket), project: "project shop").message
                == "permission denied on \(socket): the daemon of project shop belongs to another user"
        )
        #expect(
            CLIFailure(.api(.unknownService("nope")), project: "project shop").message
                == "the daemon refused the request: no service named 'nope' (unknown_service)"
        )
        #expect(
            CLIFailure(.timeout, project: "project shop").message == "the daemon of project shop did not answer in time"
        )
    }
}
