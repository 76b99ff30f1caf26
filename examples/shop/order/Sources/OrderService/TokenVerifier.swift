import Crypto
import Foundation

/// Checks the user service's tokens (HS256 JWTs) with the shared secret, so that placing an order needs no call to
/// the user service. The order service's own code: it shares none with the user service.
public struct TokenVerifier: Sendable {
    struct Claims: Decodable {
        var sub: String
        var exp: Int
    }

    private let secret: Data
    private var key: SymmetricKey { SymmetricKey(data: secret) }

    public init(secret: String) {
        self.secret = Data(secret.utf8)
    }

    /// The user id of a valid, unexpired token; nil otherwise.
    public func userID(_ token: String, now: Int) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Self.decode(parts[0]), let payload = Self.decode(parts[1]),
            let signature = Self.decode(parts[2]),
            (try? JSONDecoder().decode([String: String].self, from: header))?["alg"] == "HS256",
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data("\(parts[0]).\(parts[1])".utf8),
                using: key),
            let claims = try? JSONDecoder().decode(Claims.self, from: payload), claims.exp > now
        else { return nil }
        return claims.sub
    }

    static func decode(_ part: Substring) -> Data? {
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
