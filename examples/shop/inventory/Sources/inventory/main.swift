import InventoryService
import ShopKit

ServiceMain.takeOverConcurrency()
await ServiceMain.run(
    name: "inventory",
    commands: [
        "migrate": InventoryService.migrate, "seed": InventoryService.seed, "serve": InventoryService.serve,
        "serve-grpc": InventoryService.serveRPC,
    ]
)
