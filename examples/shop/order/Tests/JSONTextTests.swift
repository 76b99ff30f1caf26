import Foundation
import Testing

@testable import OrderService

/// The order's event and its answer are written by `JSONText`, not `JSONEncoder`: they must be what `JSONEncoder`
/// with sorted keys writes, byte for byte, whatever the strings hold.
@Suite struct JSONTextTests {
    static let awkward = [
        "mug", "", "a\"quote", "back\\slash", "a/slash", "line\nbreak", "cr\rtab\t", "bell\u{07}", "\u{08}\u{0C}",
        "\u{01}\u{1F}", "del\u{7F}", "é ü ß", "😀 emoji", "\u{2028}", "<script>", "{\"json\":[1]}",
    ]

    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test(arguments: awkward)
    func stringsAreEscapedAsJSONEncoderEscapesThem(_ text: String) throws {
        #expect(JSONText.quoted(text) == (try Self.encoded([text])).dropFirst().dropLast().description)
    }

    @Test(arguments: awkward)
    func theEventIsWhatJSONEncoderWrites(_ text: String) throws {
        let lines = [OrderRequest.Line(sku: text, quantity: 2), OrderRequest.Line(sku: "z", quantity: 1000)]
        for (status, code) in [(OrderStatus.confirmed, String?.none), (.failed, text)] {
            let event = try #require(OrderEvent(orderID: 42, userID: text, status: status, totalCents: 123_456,
                items: lines, errorCode: code, at: 1_765_000_000_000))
            #expect(try event.json() == (try Self.encoded(event)))
        }
    }

    @Test(arguments: awkward)
    func theAnswerIsWhatJSONEncoderWrites(_ text: String) throws {
        let order = OrderStore.Order(
            id: 7, userID: "u", idempotencyKey: nil, fingerprint: "f", card: nil, status: .pending, step: .reserve,
            totalCents: 0, failure: nil, createdAt: 1, updatedAt: 1, lines: [.init(sku: text, quantity: 3)])
        var failed = order
        failed.status = .failed
        failed.step = nil
        failed.failure = SagaMachine.Failure(code: "payment_declined", message: text)
        for view in [OrderRoutes.OrderView(order), OrderRoutes.OrderView(failed)] {
            #expect(view.json == (try Self.encoded(view)))
        }
        // No lines at all: an empty array.
        var empty = order
        empty.lines = []
        #expect(OrderRoutes.OrderView(empty).json == (try Self.encoded(OrderRoutes.OrderView(empty))))
    }
}
