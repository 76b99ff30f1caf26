import OrderService
import ShopKit

await ServiceMain.run(name: "order", commands: ["migrate": OrderService.migrate, "serve": OrderService.serve])
