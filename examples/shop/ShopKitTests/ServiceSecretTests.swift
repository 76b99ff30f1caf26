import Foundation
import ShopKit
import Testing

/// Shared secrets come from the environment or are generated once into the data folder: no default from the
/// repository (with the old default anyone could mint tokens for any user).
@Suite struct ServiceSecretTests {
    static func makeFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "shop-secret-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func anUnsetSecretIsGeneratedOnceAndKeptPrivate() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let environment = ServiceEnvironment(["SHOP_DATA_DIR": folder])
            let first = try environment.jwtSecret()
            #expect(first.utf8.count == 64)
            #expect(try environment.jwtSecret() == first, "a second process reads the same secret")
            #expect(try InternalToken.load(environment).value != first, "each secret is its own")
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/secrets/jwt-secret")
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder + "/secrets")
            #expect(leftovers.sorted() == ["internal-token", "jwt-secret"], "no temporary file is left")
        }
    }

    @Test func theEnvironmentWinsAndMustBeLongEnough() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let secret = String(repeating: "k", count: 32)
            #expect(try ServiceEnvironment(["SHOP_DATA_DIR": folder, "SHOP_JWT_SECRET": secret]).jwtSecret() == secret)
            #expect(throws: ServiceStartError.self) {
                try InternalToken.load(ServiceEnvironment(["SHOP_DATA_DIR": folder, "SHOP_INTERNAL_TOKEN": "short"]))
            }
            #expect(throws: ServiceStartError.self) {
                try ServiceEnvironment(["SHOP_DATA_DIR": folder, "SHOP_JWT_SECRET": "too-short"]).jwtSecret()
            }
        }
    }

    @Test func aSecretFileOthersCanReadIsRefused() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let environment = ServiceEnvironment(["SHOP_DATA_DIR": folder])
            _ = try environment.jwtSecret()
            chmod(folder + "/secrets/jwt-secret", 0o644)
            #expect(throws: ServiceStartError.self) { try environment.jwtSecret() }
        }
    }

    @Test func theInternalTokenIsCheckedExactly() {
        let token = InternalToken(String(repeating: "a", count: 64))
        #expect(token.accepts("Bearer " + token.value))
        #expect(!token.accepts(nil))
        #expect(!token.accepts(token.value), "the scheme is required")
        #expect(!token.accepts("Bearer " + String(repeating: "a", count: 63)))
        #expect(!token.accepts("Bearer " + String(repeating: "a", count: 63) + "b"))
        #expect(throws: ShopError.self) { try token.require("Bearer nope") }
    }
}
