import PaymentService
import ShopKit

ServiceMain.takeOverConcurrency()
await ServiceMain.run(
    name: "payment",
    commands: [
        "migrate": PaymentService.migrate, "serve": PaymentService.serve, "serve-grpc": PaymentService.serveRPC,
    ]
)
