import Foundation
import JWTKit

/// Checks the user service's tokens (HS256 JWTs, verified with jwt-kit) with the shared secret, so that placing an
/// order needs no call to the user service. The order service's own code: it shares none with the user service.
public struct TokenVerifier: Sendable {
    struct Claims: JWTPayload {
        var sub: String
        var exp: Int

        /// Nothing here: `userID` checks `exp` against its own clock.
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    private let keys: JWTKeyCollection

    private init(keys: JWTKeyCollection) {
        self.keys = keys
    }

    /// A verifier for HS256 tokens signed with `secret`.
    public static func make(secret: String) async -> TokenVerifier {
        TokenVerifier(keys: await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256))
    }

    /// The user id of a valid, unexpired token; nil otherwise (bad signature, another algorithm, garbage).
    public func userID(_ token: String, now: Int) async -> String? {
        // jwt-kit picks the key, not the header's algorithm: a token must also say HS256.
        guard (try? DefaultJWTParser().parse(Array(token.utf8), as: Claims.self))?.header.alg == "HS256",
            let claims = try? await keys.verify(token, as: Claims.self), claims.exp > now
        else { return nil }
        return claims.sub
    }
}
