import InventoryService
import Testing

@Suite struct ReservationTests {
    @Test func confirmAndReleaseAreIdempotent() {
        #expect(ReservationState.held.confirm() == .change(.confirmed))
        #expect(ReservationState.confirmed.confirm() == .unchanged)
        #expect(ReservationState.held.release() == .change(.released))
        #expect(ReservationState.released.release() == .unchanged)
    }

    @Test func confirmedStockIsNeverGivenBackAndReleasedNeverSold() {
        #expect(ReservationState.confirmed.release() == .refuse("reservation_confirmed"))
        #expect(ReservationState.released.confirm() == .refuse("reservation_released"))
        #expect(ReservationState.confirmed.expire() == .unchanged)
        #expect(ReservationState.held.expire() == .change(.released))
    }

    @Test func linesAreMergedAndChecked() throws {
        let request = ReservationRequest(orderID: "1", items: [.init(sku: "b", quantity: 1),
            .init(sku: "a", quantity: 1), .init(sku: "b", quantity: 2)])
        #expect(try request.normalizedLines() == [.init(sku: "a", quantity: 1), .init(sku: "b", quantity: 3)])
        #expect(throws: (any Error).self) { try ReservationRequest(orderID: "", items: [.init(sku: "a", quantity: 1)])
            .normalizedLines() }
        #expect(throws: (any Error).self) { try ReservationRequest(orderID: "1", items: [.init(sku: "a",
            quantity: 1001)]).normalizedLines() }
    }
}
