import Foundation
import Hummingbird
import HummingbirdTesting
import ShopKit
import Testing

@testable import InventoryService

/// `GET /reservations/{order}` needs the internal token, as the reservation changes do (outside audit, audit7:
/// anyone listed any order's items by counting order ids); the item list stays open.
@Suite struct ReservationReadAccessTests {
    @Test func readingAReservationNeedsTheInternalToken() async throws {
        try await withInventoryStore { store in
            let token = InternalToken(String(repeating: "t", count: 64))
            let router = ServiceMain.router()
            InventoryRoutes(store: store, token: token).add(to: router)
            try await Application(router: router).test(.router) { client in
                let reserve = #"{"order_id":"7","items":[{"sku":"mug","quantity":2}]}"#
                let created = try await client.execute(
                    uri: "/reservations", method: .post, headers: [.authorization: token.authorization],
                    body: ByteBuffer(string: reserve))
                #expect(created.status == .created)
                for authorization in [nil, "Bearer " + String(repeating: "x", count: 64), "Bearer a.b.c"] {
                    var headers = HTTPFields()
                    if let authorization { headers[.authorization] = authorization }
                    let answer = try await client.execute(uri: "/reservations/7", method: .get, headers: headers)
                    #expect(answer.status == .unauthorized, "\(authorization ?? "none")")
                    #expect(!String(buffer: answer.body).contains("mug"))
                }
                let answer = try await client.execute(
                    uri: "/reservations/7", method: .get, headers: [.authorization: token.authorization])
                #expect(answer.status == .ok)
                #expect(String(buffer: answer.body).contains("mug"))
                let items = try await client.execute(uri: "/items", method: .get)
                #expect(items.status == .ok)
            }
        }
    }
}
