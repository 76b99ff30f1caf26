import GRPCCore
import ShopKit

/// Refuses a call to the shop's services (UNAUTHENTICATED) unless its `authorization` metadata carries the
/// internal token: the gateway routes `/shop.inventory.v1.Inventory` and `/shop.payment.v1.Payments` for anyone who
/// reaches it, and a refund or a reservation must come from the order saga.
public struct InternalTokenCheck: ServerInterceptor {
    public var token: InternalToken

    public init(token: InternalToken) {
        self.token = token
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard token.accepts(request.metadata[stringValues: "authorization"].first(where: { _ in true })) else {
            throw RPCError(
                code: .unauthenticated,
                message:
                    "\(context.descriptor) is for the shop's own services (authorization: Bearer SHOP_INTERNAL_TOKEN)",
                metadata: [ShopRPCError.codeKey: .string("unauthorized")])
        }
        return try await next(request, context)
    }
}

/// Adds the internal token to every call the order saga makes.
public struct InternalTokenSender: ClientInterceptor {
    public var token: InternalToken

    public init(token: InternalToken) {
        self.token = token
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.replaceOrAddString(token.authorization, forKey: "authorization")
        return try await next(request, context)
    }
}
