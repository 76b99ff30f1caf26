import Foundation

/// The body of `POST /register` and `POST /login`, checked before any work.
public struct Credentials: Decodable, Sendable {
    public var email: String
    public var password: String

    /// Problems with a registration: an email without `@`, a password shorter than 8 characters.
    public func registrationProblem() -> String? {
        let trimmed = email.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        if trimmed.count > 254 || parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty
            || trimmed.contains(where: \.isWhitespace)
        {
            return "email must look like name@example.com"
        }
        if password.count < 8 { return "password must have at least 8 characters" }
        if password.utf8.count > 1024 { return "password must have at most 1024 bytes" }
        return nil
    }

    /// The email as stored: trimmed and lowercased, so that logins are case-insensitive.
    public var normalizedEmail: String { email.trimmingCharacters(in: .whitespaces).lowercased() }
}
