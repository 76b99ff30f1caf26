import ShopKit
import UserService

ServiceMain.takeOverConcurrency()
await ServiceMain.run(name: "user", commands: ["migrate": UserService.migrate, "serve": UserService.serve])
