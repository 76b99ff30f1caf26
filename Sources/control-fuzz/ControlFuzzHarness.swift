import BerthControlProtocol
import BerthControlServer

/// Checks, for one input, what the control API must keep whatever a client writes on its socket: a command or a
/// clear error (400, 404, 405, 413 with a code and a message), never a crash; the same outcome whether the bytes
/// arrive at once or in pieces. The input is used twice: as the raw bytes of the connection (NIO's HTTP decoder,
/// `ControlRequestAssembler`, `ControlCommand.decode`), and split into `METHOD\nTARGET\nBODY` straight into
/// `ControlCommand.decode`, so the fuzzer also reaches the decoder with what HTTP would have refused.
enum ControlFuzzHarness {
    static let maxBodyBytes = 4096
    static let maxHeadBytes = 2048

    static func run(_ input: UnsafeRawBufferPointer) {
        let bytes = Array(input)
        checkConnection(bytes)
        checkCommand(bytes)
    }

    static func checkConnection(_ bytes: [UInt8]) {
        let whole = decode([bytes])
        for outcome in whole {
            checkOutcome(outcome)
        }
        check(decode([bytes]) == whole, "decoding twice differs")
        var pieces: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + Int(bytes[index] % 7) + 1)
            pieces.append(Array(bytes[index..<end]))
            index = end
        }
        let split = decode(pieces)
        check(split.count == whole.count, "split gives \(split.count) outcomes, whole \(whole.count)")
        for (a, b) in zip(whole, split) {
            switch (a, b) {
            case (.command(let x), .command(let y)): check(x == y, "split command \(x) vs \(y)")
            case (.refused(let x), .refused(let y)): check(x.status == y.status, "split refusal \(x) vs \(y)")
            case (.dropped, .dropped): break
            default: check(false, "split outcome \(a) vs \(b)")
            }
        }
    }

    static func decode(_ chunks: [[UInt8]]) -> [ControlRequestDecoder.Outcome] {
        ControlRequestDecoder.decode(chunks, maxBodyBytes: maxBodyBytes, maxHeadBytes: maxHeadBytes)
    }

    static func checkOutcome(_ outcome: ControlRequestDecoder.Outcome) {
        switch outcome {
        case .command(let command):
            checkCommandLimits(command)
        case .refused(let error):
            check([400, 404, 405, 413].contains(error.status), "unexpected status \(error.status): \(error)")
            check(!error.code.isEmpty && !error.message.isEmpty, "an error without code or message")
        case .dropped:
            check(false, "a connection dropped without an answer")
        }
    }

    static func checkCommand(_ bytes: [UInt8]) {
        let parts = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : "/"
        let body = parts.count > 2 ? Array(parts[2]) : []
        do throws(ControlAPIError) {
            let command = try ControlCommand.decode(method: method, target: target, body: body)
            checkCommandLimits(command)
            let again = try ControlCommand.decode(method: method, target: target, body: body)
            check(again == command, "decoding twice differs")
        } catch {
            check([400, 404, 405].contains(error.status), "unexpected status \(error.status): \(error)")
            check(!error.code.isEmpty && !error.message.isEmpty, "an error without code or message")
        }
    }

    /// What the decoder promises about a command it returns (documented in docs/control-api.md).
    static func checkCommandLimits(_ command: ControlCommand) {
        let maximum = ControlCommand.maximumTimeoutMilliseconds
        switch command {
        case .status, .logs, .events, .dashboardLogin:
            break
        case .scale(let request):
            check(!request.services.isEmpty, "scale without services")
            check(request.services.allSatisfy { !$0.key.isEmpty && (0...1000).contains($0.value) }, "scale counts")
            check(request.timeoutMilliseconds.map { (0...maximum).contains($0) } ?? true, "scale timeout")
        case .start(let service, let timeout), .stop(let service, let timeout), .restart(let service, let timeout):
            check(!service.isEmpty, "empty service name")
            check(timeout.map { (0...maximum).contains($0) } ?? true, "timeout out of range")
        case .runNow(let service, _, let timeout):
            check(!service.isEmpty, "empty service name")
            check(timeout.map { (0...maximum).contains($0) } ?? true, "timeout out of range")
        case .replica(let service, let index, _, let timeout):
            check(!service.isEmpty, "empty service name")
            check((0..<ControlCommand.maximumReplicas).contains(index), "replica index out of range")
            check(timeout.map { (0...maximum).contains($0) } ?? true, "timeout out of range")
        case .waitReady(let timeout), .down(let timeout):
            check(timeout.map { (0...maximum).contains($0) } ?? true, "timeout out of range")
        case .reload(let request):
            check(request.file.map { $0.hasPrefix("/") } ?? true, "reload of a relative file")
            check(request.timeoutMilliseconds.map { (0...maximum).contains($0) } ?? true, "reload timeout")
        }
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("fuzz invariant broken: \(message())") }
    }
}
