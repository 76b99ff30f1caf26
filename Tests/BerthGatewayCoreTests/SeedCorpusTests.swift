import BerthGatewayCore
import Foundation
import Testing

/// The fuzzing seeds (Tests/fuzz-corpus/gateway) are what their names say: `req-` and `resp-` seeds are accepted,
/// every `smuggle-` seed is refused by the head parser or the chunked scanner.
@Suite("Fuzzing seed corpus")
struct SeedCorpusTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz-corpus/gateway")

    static func seeds(_ prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    @Test func corpusIsThere() {
        #expect(Self.seeds("req-").count >= 10)
        #expect(Self.seeds("smuggle-").count >= 25)
        #expect(Self.seeds("resp-").count >= 5)
    }

    @Test(arguments: seeds("req-"))
    func validRequest(name: String) throws {
        let bytes = try Self.bytes(name)
        let parsed = try #require(try TestBytes.request(bytes))
        if parsed.head.framing == .chunked {
            var scanner = ChunkedBodyScanner(limits: HTTPLimits())
            #expect(try TestBytes.scan(&scanner, Array(bytes[parsed.length...])).finished)
        }
    }

    @Test(arguments: seeds("smuggle-"))
    func smugglingIsRefused(name: String) throws {
        let bytes = try Self.bytes(name)
        do {
            let parsed = try #require(try TestBytes.request(bytes), "\(name) is incomplete")
            #expect(parsed.head.framing == .chunked, "\(name) was accepted")
            var scanner = ChunkedBodyScanner(limits: HTTPLimits())
            _ = try TestBytes.scan(&scanner, Array(bytes[parsed.length...]))
            Issue.record("\(name): chunked body accepted")
        } catch let error as HTTPFramingError {
            #expect([400, 414, 431, 501, 505].contains(error.status))
        }
    }

    @Test(arguments: seeds("resp-"))
    func responses(name: String) throws {
        let bytes = String(decoding: try Self.bytes(name), as: UTF8.self)
        if name == "resp-cl-te" {
            #expect(TestBytes.responseError(bytes) != nil)
        } else {
            #expect(try TestBytes.response(bytes) != nil)
        }
    }
}
