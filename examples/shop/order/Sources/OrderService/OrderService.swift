import Foundation
import ShopAMQP
import ShopKit
import ShopRPC

/// The order service: checks the caller's token, then runs the order saga (reserve stock, charge, confirm; on
/// failure refund and release) and resumes unfinished sagas after a crash.
public enum OrderService {
    static func database(_ environment: ServiceEnvironment) async throws -> ShopDatabase {
        try await ShopDatabase.open(path: environment.dataDirectory + "/order.sqlite")
    }

    public static func migrate(_ environment: ServiceEnvironment) async throws {
        let database = try await database(environment)
        let applied = try await database.migrate(OrderStore.migrations)
        ShopLog.line("order: \(applied) migrations applied to \(database.path)")
        try await database.close()
    }

    public static func serve(_ environment: ServiceEnvironment) async throws {
        let store = OrderStore(database: try await database(environment))
        let runner = SagaRunner(
            store: store,
            calls: SagaCalls(try ShopRPCClient(environment: environment)),
            machine: SagaMachine(
                giveUpMilliseconds: try environment.int("SHOP_ORDER_GIVE_UP_SECONDS", default: 15) * 1000)
        )
        let staleMilliseconds = try environment.int("SHOP_ORDER_STALE_SECONDS", default: 6) * 1000
        let router = ServiceMain.router()
        let verifier = await TokenVerifier.make(secret: try environment.jwtSecret())
        let orderTimeout = Duration.milliseconds(try environment.int("SHOP_ORDER_TIMEOUT_MS", default: 10_000))
        OrderRoutes(store: store, runner: runner, verifier: verifier, timeout: orderTimeout).add(to: router)
        let relay = OutboxRelay(
            store: store,
            connector: AMQPConnector(
                configuration: try AMQPConfiguration(url: try environment.require("SHOP_AMQP_URL"))),
            topology: AMQPTopology(exchange: "shop.events", queue: "notifications", bindingKey: "order.*")
        )
        let resume: @Sendable () async -> Void = {
            // At start, then every 2 s: orders nobody touched for a while were left by a crash; finish them.
            await ServiceMain.every(.seconds(2), "order resumer") {
                for id in try await store.claimStale(now: Date.nowMilliseconds, staleMilliseconds: staleMilliseconds) {
                    let order = try await runner.drive(id, retries: 2, deadline: .now + orderTimeout)
                    ShopLog.line("order \(id): resumed, now \(order?.status.rawValue ?? "gone")")
                }
            }
        }
        try await ServiceMain.serve(
            router, name: "order", environment: environment, background: [resume, { await relay.run() }])
    }
}
