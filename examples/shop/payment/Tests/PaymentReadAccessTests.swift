import Foundation
import Hummingbird
import HummingbirdTesting
import ShopKit
import Testing

@testable import PaymentService

/// The REST reads of payments need the internal token, as the charges and refunds do (outside audit, audit7: anyone
/// read any order's amount and status by counting order ids); a user sees the outcome on `GET /api/orders/{id}`.
@Suite struct PaymentReadAccessTests {
    @Test func readsNeedTheInternalToken() async throws {
        try await withPaymentStore { store in
            let token = InternalToken(String(repeating: "t", count: 64))
            let router = ServiceMain.router()
            PaymentService.add(store, token: token, to: router)
            try await Application(router: router).test(.router) { client in
                let charge = #"{"idempotency_key":"order-7","order_id":"7","amount_cents":1200}"#
                let created = try await client.execute(
                    uri: "/charges", method: .post, headers: [.authorization: token.authorization],
                    body: ByteBuffer(string: charge))
                #expect(created.status == .created)
                let id = try #require(
                    (try JSONSerialization.jsonObject(with: Data(buffer: created.body)) as? [String: Any])?["id"]
                        as? Int)
                // Anonymous, a wrong token and a user's JWT-looking token: 401, nothing of the payment in the answer.
                for authorization in [nil, "Bearer " + String(repeating: "x", count: 64), "Bearer a.b.c"] {
                    var headers = HTTPFields()
                    if let authorization { headers[.authorization] = authorization }
                    for uri in ["/?order_id=7", "/\(id)"] {
                        let answer = try await client.execute(uri: uri, method: .get, headers: headers)
                        #expect(answer.status == .unauthorized, "\(uri) \(authorization ?? "none")")
                        #expect(!String(buffer: answer.body).contains("1200"))
                    }
                }
                for uri in ["/?order_id=7", "/\(id)"] {
                    let answer = try await client.execute(
                        uri: uri, method: .get, headers: [.authorization: token.authorization])
                    #expect(answer.status == .ok, "\(uri)")
                    #expect(String(buffer: answer.body).contains("succeeded"), "\(uri)")
                }
            }
        }
    }
}
