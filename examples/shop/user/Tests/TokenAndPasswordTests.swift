import Foundation
import Testing
import ShopKit
import UserService

@Suite struct TokenSignerTests {
    let signer = TokenSigner(secret: String(repeating: "test-secret-", count: 3), lifetimeSeconds: 60)

    @Test func signedTokenVerifies() async throws {
        let token = try await signer.sign(userID: 7, email: "a@b.c", now: 1000)
        let claims = try await signer.verify(token, now: 1030)
        #expect(claims == TokenSigner.Claims(sub: "7", email: "a@b.c", exp: 1060))
    }

    @Test func expiredTokenIsRefused() async throws {
        let token = try await signer.sign(userID: 7, email: "a@b.c", now: 1000)
        await #expect(throws: TokenSigner.Failure.expired) { try await signer.verify(token, now: 1060) }
    }

    @Test func otherSecretIsRefused() async throws {
        let token = try await TokenSigner(secret: String(repeating: "other-secret-", count: 3)).sign(userID: 7, email: "a@b.c", now: 1000)
        await #expect(throws: TokenSigner.Failure.badSignature) { try await signer.verify(token, now: 1001) }
    }

    @Test func tamperedPayloadIsRefused() async throws {
        let token = try await signer.sign(userID: 7, email: "a@b.c", now: 1000)
        var parts = token.split(separator: ".").map(String.init)
        let forged = Data(#"{"email":"a@b.c","exp":9999999999,"sub":"1"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        parts[1] = forged
        let forgedToken = parts.joined(separator: ".")
        await #expect(throws: TokenSigner.Failure.badSignature) { try await signer.verify(forgedToken, now: 1001) }
    }

    @Test func garbageIsMalformed() async {
        await #expect(throws: TokenSigner.Failure.malformed) { try await signer.verify("not-a-token", now: 0) }
        await #expect(throws: TokenSigner.Failure.malformed) { try await signer.verify("a.b.c", now: 0) }
    }
}

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(rounds: 1000)

    @Test func hashVerifiesOnlyTheRightPassword() throws {
        let stored = try hasher.hash("correct horse")
        #expect(stored.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(hasher.verify("correct horse", against: stored))
        #expect(!hasher.verify("correct horsE", against: stored))
    }

    @Test func saltsDiffer() throws {
        #expect(try hasher.hash("same password") != hasher.hash("same password"))
    }

    @Test func malformedStoredHashNeverMatches() {
        #expect(!hasher.verify("x", against: ""))
        #expect(!hasher.verify("x", against: "pbkdf2-sha256$0$AA==$AA=="))
        #expect(!hasher.verify("x", against: "md5$1$AA==$AA=="))
    }

    @Test func registrationChecks() throws {
        func problem(_ email: String, _ password: String) throws -> String? {
            try JSONDecoder().decode(Credentials.self,
                from: Data(#"{"email":"\#(email)","password":"\#(password)"}"#.utf8)).registrationProblem()
        }
        #expect(try problem("a@b.c", "long enough") == nil)
        #expect(try problem("nobody", "long enough") == "email must look like name@example.com")
        #expect(try problem("a@b.c", "short") == "password must have at least 8 characters")
    }
}

@Suite struct JWTSecretTests {
    @Test func secretsShorterThanTheHashAreRefusedAtStart() throws {
        #expect(throws: ServiceStartError.self) {
            try ServiceEnvironment(["SHOP_JWT_SECRET": "too-short"]).jwtSecret()
        }
        let secret = String(repeating: "k", count: 32)
        #expect(try ServiceEnvironment(["SHOP_JWT_SECRET": secret]).jwtSecret() == secret)
    }
}

@Suite struct TokenAlgorithmTests {
    @Test func aTokenThatDoesNotSayHS256IsRefused() async throws {
        let signer = TokenSigner(secret: String(repeating: "k", count: 32))
        let token = try await signer.sign(userID: 1, email: "a@b.c", now: 0)
        var parts = token.split(separator: ".").map(String.init)
        parts[0] = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        let relabelled = parts.joined(separator: ".")
        await #expect(throws: TokenSigner.Failure.self) { try await signer.verify(relabelled, now: 1) }
    }
}
