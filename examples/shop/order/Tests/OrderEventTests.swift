import Foundation
import OrderService
import Testing

@Suite struct OrderEventTests {
    let lines = [OrderRequest.Line(sku: "mug", quantity: 2)]

    @Test func finalStatusesHaveOneEventEachWithAFixedID() throws {
        let confirmed = try #require(OrderEvent(orderID: 7, userID: "3", status: .confirmed, totalCents: 2400,
            items: lines, errorCode: nil, at: 1000))
        #expect(confirmed.event_id == "order.confirmed:7" && confirmed.routingKey == "order.confirmed")
        let again = try #require(OrderEvent(orderID: 7, userID: "3", status: .confirmed, totalCents: 2400,
            items: lines, errorCode: nil, at: 2000))
        #expect(again.event_id == confirmed.event_id, "a replay of the same outcome has the same id")
        let cancelled = try #require(OrderEvent(orderID: 7, userID: "3", status: .failed, totalCents: 0,
            items: lines, errorCode: "payment_declined", at: 1000))
        #expect(cancelled.event_id == "order.cancelled:7" && cancelled.type == "order.cancelled")
        for status in OrderStatus.allCases where !status.isTerminal {
            #expect(OrderEvent(orderID: 7, userID: "3", status: status, totalCents: 0, items: lines, errorCode: nil,
                at: 0) == nil)
        }
    }

    @Test func jsonIsWhatTheNotifierReads() throws {
        let event = try #require(OrderEvent(orderID: 7, userID: "3", status: .failed, totalCents: 0, items: lines,
            errorCode: "insufficient_stock", at: 5))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(try event.json().utf8)) as? [String: Any])
        #expect(object["event_id"] as? String == "order.cancelled:7")
        #expect(object["order_id"] as? Int == 7 && object["user_id"] as? String == "3")
        #expect(object["total_cents"] as? Int == 0 && object["error_code"] as? String == "insufficient_stock")
    }
}
