import GRPCCore
import GRPCInProcessTransport
import Synchronization
import Testing

@testable import ShopRPC

/// The servers keep a call's `grpc-timeout` with a timer on the event loop: the header is taken out of the
/// metadata before grpc-swift reads it, and when the time is up the call is cancelled as grpc-swift would
/// (`context.cancellation`).
@Suite struct DeadlineServerTransportTests {
    /// Reserve answers with what it saw: the `grpc-timeout` values in its metadata (in `status`, joined) and
    /// whether the call was cancelled (`created`), after waiting for the cancellation when the order id is "wait".
    struct Inventory: Shop_Inventory_V1_Inventory.ServiceProtocol {
        func reserve(
            request: ServerRequest<Shop_Inventory_V1_ReserveRequest>, context: ServerContext
        ) async throws -> ServerResponse<Shop_Inventory_V1_Reservation> {
            if request.message.orderID == "wait" {
                try await context.cancellation.cancelled
            }
            var answer = Shop_Inventory_V1_Reservation()
            answer.status = request.metadata[stringValues: GRPCTimeout.key].joined(separator: ",")
            answer.created = context.cancellation.isCancelled
            return ServerResponse(message: answer)
        }

        func confirm(
            request: ServerRequest<Shop_Inventory_V1_ReservationRef>, context: ServerContext
        ) async throws -> ServerResponse<Shop_Inventory_V1_Reservation> {
            throw RPCError(code: .unimplemented, message: "not used")
        }

        func release(
            request: ServerRequest<Shop_Inventory_V1_ReservationRef>, context: ServerContext
        ) async throws -> ServerResponse<Shop_Inventory_V1_Reservation> {
            throw RPCError(code: .unimplemented, message: "not used")
        }
    }

    func reserve(_ orderID: String, metadata: Metadata) async throws -> Shop_Inventory_V1_Reservation {
        let transport = InProcessTransport()
        return try await withGRPCServer(
            transport: DeadlineServerTransport(transport.server), services: [Inventory()]
        ) { server in
            defer { server.beginGracefulShutdown() }
            return try await withGRPCClient(transport: transport.client) { client in
                var request = Shop_Inventory_V1_ReserveRequest()
                request.orderID = orderID
                return try await Shop_Inventory_V1_Inventory.Client(wrapping: client).reserve(
                    request, metadata: metadata)
            }
        }
    }

    @Test func theTimeoutCancelsTheCallWhenItPassesAndIsTakenOutOfTheMetadata() async throws {
        // The handler waits for its cancellation: only the 50 ms timeout can end the call.
        let answer = try await reserve("wait", metadata: [GRPCTimeout.key: "50m"])
        #expect(answer.created)
        #expect(answer.status == "")
    }

    @Test func aCallWithinItsTimeoutIsNotCancelled() async throws {
        let answer = try await reserve("now", metadata: [GRPCTimeout.key: "600S"])
        #expect(!answer.created)
        #expect(answer.status == "")
    }

    @Test func aCallWithoutATimeoutIsNotCancelled() async throws {
        let answer = try await reserve("now", metadata: [:])
        #expect(!answer.created)
    }

    @Test func aValueThatIsNotATimeoutIsLeftForGRPCSwift() async throws {
        let answer = try await reserve("now", metadata: [GRPCTimeout.key: "soon"])
        #expect(!answer.created)
        #expect(answer.status == "soon")
    }
}
