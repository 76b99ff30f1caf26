import Foundation
import JWTKit
import Synchronization

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
    /// Tokens verified already, with their user and expiry: a client sends the same token with every request, and
    /// verifying it (two JSON decodings, an HMAC, a hop to the key collection's actor) cost more than the rest of
    /// the request's own work. The key is the whole token, signature included, so only a token that verified can
    /// match; an entry is used only while `exp` is ahead. Bounded: emptied when it reaches `cacheLimit` entries.
    private let verified: VerifiedTokens

    private init(keys: JWTKeyCollection, cacheLimit: Int) {
        self.keys = keys
        verified = VerifiedTokens(limit: cacheLimit)
    }

    /// How many verified tokens are remembered (the tests see it fill and empty).
    public var cachedTokens: Int { verified.count }

    /// A verifier for HS256 tokens signed with `secret`.
    public static func make(secret: String, cacheLimit: Int = 10_000) async -> TokenVerifier {
        TokenVerifier(
            keys: await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256),
            cacheLimit: cacheLimit)
    }

    /// The user id of a valid, unexpired token; nil otherwise (bad signature, another algorithm, garbage).
    public func userID(_ token: String, now: Int) async -> String? {
        if let known = verified[token] {
            return known.exp > now ? known.user : nil
        }
        // jwt-kit picks the key, not the header's algorithm: a token must also say HS256.
        guard (try? DefaultJWTParser().parse(Array(token.utf8), as: Claims.self))?.header.alg == "HS256",
            let claims = try? await keys.verify(token, as: Claims.self), claims.exp > now
        else { return nil }
        verified.remember(token, user: claims.sub, exp: claims.exp)
        return claims.sub
    }
}

/// The verifier's memory of tokens that verified, shared by its copies.
private final class VerifiedTokens: Sendable {
    private let tokens = Mutex<[String: (user: String, exp: Int)]>([:])
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    var count: Int { tokens.withLock { $0.count } }

    subscript(token: String) -> (user: String, exp: Int)? { tokens.withLock { $0[token] } }

    func remember(_ token: String, user: String, exp: Int) {
        tokens.withLock { tokens in
            if tokens.count >= limit { tokens.removeAll(keepingCapacity: true) }
            tokens[token] = (user, exp)
        }
    }
}
