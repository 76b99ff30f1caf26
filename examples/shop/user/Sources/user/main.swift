import ShopKit
import UserService

await ServiceMain.run(name: "user", commands: ["migrate": UserService.migrate, "serve": UserService.serve])
