import Foundation
import JWTKit

/// Signs and verifies the shop's tokens with jwt-kit: JWTs with HMAC-SHA256 (`alg: HS256`), claims `sub`, `email`,
/// `exp`. The expiry is checked against the caller's clock (`now`), so that tests pin time.
public struct TokenSigner: Sendable {
    /// The claims of a token.
    public struct Claims: JWTPayload, Equatable, Sendable {
        public var sub: String
        public var email: String
        /// Expiry, seconds since 1970.
        public var exp: Int

        public init(sub: String, email: String, exp: Int) {
            self.sub = sub
            self.email = email
            self.exp = exp
        }

        /// Nothing here: `verify(_:now:)` checks `exp` against its own clock.
        public func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    /// Why a token is refused.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed
        case badSignature
        case expired

        public var description: String {
            switch self {
            case .malformed: "the token is not a JWT"
            case .badSignature: "the token's signature is invalid"
            case .expired: "the token has expired"
            }
        }
    }

    private let secret: String
    public var lifetimeSeconds: Int

    public init(secret: String, lifetimeSeconds: Int = 3600) {
        self.secret = secret
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// jwt-kit's key collection is an actor filled asynchronously; one HMAC key is cheap to set up per call.
    private func keys() async -> JWTKeyCollection {
        await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    public func sign(userID: Int, email: String, now: Int) async throws -> String {
        try await keys().sign(Claims(sub: String(userID), email: email, exp: now + lifetimeSeconds))
    }

    public func verify(_ token: String, now: Int) async throws(Failure) -> Claims {
        let claims: Claims
        // jwt-kit picks the key, not the header's algorithm: a token must also say HS256.
        guard (try? DefaultJWTParser().parse(Array(token.utf8), as: Claims.self))?.header.alg == "HS256" else {
            throw .malformed
        }
        do {
            claims = try await keys().verify(token, as: Claims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw .badSignature
        } catch {
            throw .malformed
        }
        guard claims.exp > now else { throw .expired }
        return claims
    }
}
