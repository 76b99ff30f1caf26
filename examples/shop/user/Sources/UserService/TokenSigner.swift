import Crypto
import Foundation

/// Signs and verifies the shop's tokens: JWTs with HMAC-SHA256 (`alg: HS256`), claims `sub`, `email`, `exp`.
public struct TokenSigner: Sendable {
    /// The claims of a token.
    public struct Claims: Codable, Equatable, Sendable {
        public var sub: String
        public var email: String
        /// Expiry, seconds since 1970.
        public var exp: Int

        public init(sub: String, email: String, exp: Int) {
            self.sub = sub
            self.email = email
            self.exp = exp
        }
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

    private let secret: Data
    private var key: SymmetricKey { SymmetricKey(data: secret) }
    public var lifetimeSeconds: Int

    public init(secret: String, lifetimeSeconds: Int = 3600) {
        self.secret = Data(secret.utf8)
        self.lifetimeSeconds = lifetimeSeconds
    }

    public func sign(userID: Int, email: String, now: Int) -> String {
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims = Claims(sub: String(userID), email: email, exp: now + lifetimeSeconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = Base64URL.encode((try? encoder.encode(claims)) ?? Data())
        let input = header + "." + payload
        let signature = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: key)
        return input + "." + Base64URL.encode(Data(signature))
    }

    public func verify(_ token: String, now: Int) throws(Failure) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = Base64URL.decode(String(parts[2])),
            let headerData = Base64URL.decode(String(parts[0])),
            let header = try? JSONDecoder().decode([String: String].self, from: headerData), header["alg"] == "HS256"
        else { throw .malformed }
        let input = Data("\(parts[0]).\(parts[1])".utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key) else {
            throw .badSignature
        }
        guard let payload = Base64URL.decode(String(parts[1])),
            let claims = try? JSONDecoder().decode(Claims.self, from: payload)
        else { throw .malformed }
        guard claims.exp > now else { throw .expired }
        return claims
    }
}

/// Base64 with the URL alphabet and no padding (RFC 7515).
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
