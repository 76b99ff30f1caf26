import Hummingbird
import Logging

/// Turns every error a handler throws into a JSON error response: `ShopError` as it is, Hummingbird's own errors
/// (no such route, wrong method) with their status, anything else as a logged 500.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ShopError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let code = error.status.code == 404 ? "not_found" : "http_\(error.status.code)"
            let message = error.body ?? error.status.reasonPhrase
            return try ShopError(error.status, code, message).response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error on \(request.method) \(request.uri.path): \(error)")
            return try ShopError(.internalServerError, "internal", "internal error")
                .response(from: request, context: context)
        }
    }
}
