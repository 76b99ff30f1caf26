import OrderService
import ShopKit

ServiceMain.takeOverConcurrency()
await ServiceMain.run(name: "order", commands: ["migrate": OrderService.migrate, "serve": OrderService.serve])
