import GRPCCore
import Synchronization

/// Raw bytes in and out: what the transport tests call, in every kind of call.
struct Bytes: MessageSerializer, MessageDeserializer {
    func serialize<Output: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Output { Output(message) }
    func deserialize<Input: GRPCContiguousBytes>(_ bytes: Input) throws -> [UInt8] {
        bytes.withUnsafeBytes { Array($0) }
    }
}

enum Echo {
    static let service = "test.Echo"
    /// Answers its one message; a message starting with "fail:" fails with the rest as the status message.
    static let unary = MethodDescriptor(fullyQualifiedService: service, method: "Unary")
    /// Answers each message as it comes (bidirectional).
    static let stream = MethodDescriptor(fullyQualifiedService: service, method: "Stream")
    /// Answers, once the client is done, the number of messages and bytes it sent (client streaming).
    static let count = MethodDescriptor(fullyQualifiedService: service, method: "Count")
    /// Waits for its cancellation, and counts the cancellations it saw.
    static let wait = MethodDescriptor(fullyQualifiedService: service, method: "Wait")
    /// Answers the request's metadata as `key=value` lines, sorted.
    static let metadata = MethodDescriptor(fullyQualifiedService: service, method: "Metadata")
}

final class EchoService: RegistrableRPCService {
    let cancellations = Atomic<Int>(0)
    let waiting = Atomic<Int>(0)
    let streaming = Atomic<Int>(0)

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(forMethod: Echo.unary, deserializer: Bytes(), serializer: Bytes()) { request, context in
            var messages = request.messages.makeAsyncIterator()
            guard let message = try await messages.next() else {
                throw RPCError(code: .invalidArgument, message: "no message")
            }
            var echoed = Metadata()
            for entry in request.metadata where entry.key.hasPrefix("echo-") {
                echoed.addValue(entry.value, forKey: entry.key)
            }
            let text = String(decoding: message, as: UTF8.self)
            if text.hasPrefix("fail:") {
                throw RPCError(code: .failedPrecondition, message: String(text.dropFirst(5)), metadata: echoed)
            }
            let reply = echoed
            return StreamingServerResponse(metadata: reply) { writer in
                try await writer.write(message)
                return reply
            }
        }
        router.registerHandler(forMethod: Echo.stream, deserializer: Bytes(), serializer: Bytes()) {
            [self] request, _ in
            streaming.add(1, ordering: .relaxed)
            return StreamingServerResponse { writer in
                for try await message in request.messages { try await writer.write(message) }
                return [:]
            }
        }
        router.registerHandler(forMethod: Echo.count, deserializer: Bytes(), serializer: Bytes()) { request, _ in
            var count = 0
            var bytes = 0
            for try await message in request.messages {
                count += 1
                bytes += message.count
            }
            let answer = Array("\(count) \(bytes)".utf8)
            return StreamingServerResponse { writer in
                try await writer.write(answer)
                return [:]
            }
        }
        router.registerHandler(forMethod: Echo.metadata, deserializer: Bytes(), serializer: Bytes()) { request, _ in
            let lines = request.metadata.map { "\($0.key)=\($0.value)" }.sorted()
            return StreamingServerResponse { writer in
                for try await _ in request.messages {}
                try await writer.write(Array(lines.joined(separator: "\n").utf8))
                return [:]
            }
        }
        router.registerHandler(forMethod: Echo.wait, deserializer: Bytes(), serializer: Bytes()) { [self] _, context in
            waiting.add(1, ordering: .relaxed)
            defer { waiting.subtract(1, ordering: .relaxed) }
            do {
                try await context.cancellation.cancelled
            } catch {}
            cancellations.add(1, ordering: .relaxed)
            throw RPCError(code: .cancelled, message: "cancelled")
        }
    }
}

extension Metadata {
    fileprivate mutating func addValue(_ value: Metadata.Value, forKey key: String) {
        switch value {
        case .string(let text): addString(text, forKey: key)
        case .binary(let bytes): addBinary(bytes, forKey: key)
        }
    }
}
