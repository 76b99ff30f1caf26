import BerthControlProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the server sends back for one request: a JSON document, or a stream of NDJSON log entries or events.
enum ControlReply: Sendable {
    case json(status: Int, body: [UInt8])
    /// The answer to an operation: the service hears when it was written (`ControlService.answered`).
    case operation(ControlCommand, status: Int, body: [UInt8])
    case logStream(AsyncStream<LogEntry>)
    case eventStream(AsyncStream<DaemonEvent>, serverSentEvents: Bool)

    static func error(_ error: ControlAPIError) -> Self {
        .json(status: error.status, body: ControlJSON.encode(error.response))
    }
}

/// The server's JSON encoding: sorted keys, so that responses are stable and diffable.
enum ControlJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            // Only non-finite doubles can fail here (e.g. a NaN uptime); answer with a well-formed error instead.
            let fallback = ErrorResponse(code: "internal", message: "cannot encode the response: \(error)")
            return (try? encoder.encode(fallback)).map(Array.init) ?? Array(#"{"error":{"code":"internal"}}"#.utf8)
        }
    }

    /// One NDJSON line: the value's JSON followed by a newline.
    static func line(_ value: some Encodable) -> [UInt8] {
        encode(value) + [UInt8(ascii: "\n")]
    }

    /// One Server-Sent Events message: `event: KIND` and the event's JSON as its data.
    static func serverSentEvent(_ event: DaemonEvent) -> [UInt8] {
        Array("event: \(event.kind.rawValue)\nid: \(event.sequence)\ndata: ".utf8) + encode(event) + Array("\n\n".utf8)
    }
}

/// Turns a decoded request into a reply by calling the `ControlService`; no HTTP and no NIO here.
struct ControlDispatcher: Sendable {
    let service: any ControlService

    func reply(method: String, target: String, body: [UInt8]) async -> ControlReply {
        let command: ControlCommand
        do {
            command = try ControlCommand.decode(method: method, target: target, body: body)
        } catch {
            return .error(error)
        }
        do {
            switch command {
            case .status:
                return .json(status: 200, body: ControlJSON.encode(await service.status()))
            case .logs(let query):
                return .logStream(try await service.logs(query))
            case .events(let query):
                return .eventStream(await service.events(query), serverSentEvents: query.serverSentEvents)
            case .dashboardLogin:
                return .json(status: 200, body: ControlJSON.encode(try await service.dashboardLogin()))
            case .scale, .start, .stop, .restart, .replica, .waitReady, .down, .reload, .runNow:
                return .operation(command, status: 200, body: ControlJSON.encode(try await service.perform(command)))
            }
        } catch {
            return .error(error)
        }
    }
}
