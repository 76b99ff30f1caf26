import Foundation
import Hummingbird
import NIOPosix
import ShopKit

/// The user service: registration with hashed passwords, login returning a signed token, `GET /me`.
public enum UserService {
    static let migrations = [
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            email TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )
        """,
    ]

    static func database(_ environment: ServiceEnvironment) async throws -> ShopDatabase {
        try await ShopDatabase.open(path: environment.dataDirectory + "/user.sqlite")
    }

    public static func migrate(_ environment: ServiceEnvironment) async throws {
        let database = try await database(environment)
        let applied = try await database.migrate(migrations)
        ShopLog.line("user: \(applied) migrations applied to \(database.path)")
        try await database.close()
    }

    public static func serve(_ environment: ServiceEnvironment) async throws {
        let database = try await database(environment)
        let signer = TokenSigner(
            secret: try environment.jwtSecret(),
            lifetimeSeconds: try environment.int("SHOP_TOKEN_SECONDS", default: 3600)
        )
        let hasher = PasswordHasher(rounds: try environment.int("SHOP_PASSWORD_ROUNDS", default: 210_000))
        let router = ServiceMain.router()
        UserRoutes(database: database, signer: signer, hasher: hasher).add(to: router)
        try await ServiceMain.serve(router, name: "user", environment: environment)
    }
}

/// The user service's HTTP endpoints.
struct UserRoutes: Sendable {
    var database: ShopDatabase
    var signer: TokenSigner
    var hasher: PasswordHasher

    struct UserView: Encodable {
        var id: Int
        var email: String
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("/register") { request, _ in try await register(request) }
        router.post("/login") { request, _ in try await login(request) }
        router.get("/me") { request, _ in try await me(request) }
    }

    func register(_ request: Request) async throws -> Response {
        let credentials = try await JSONBody.decode(Credentials.self, from: request)
        if let problem = credentials.registrationProblem() { throw ShopError.badRequest("invalid_field", problem) }
        let email = credentials.normalizedEmail
        let hash = try await NIOThreadPool.singleton.runIfActive { [hasher] in try hasher.hash(credentials.password) }
        let id = try await database.write { session -> Int? in
            let existing = try session.query("SELECT id FROM users WHERE email = ?", [.text(email)])
            guard existing.isEmpty else { return nil }
            try session.execute(
                "INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?)",
                [.text(email), .text(hash), .int(Int(Date().timeIntervalSince1970))]
            )
            return try session.query("SELECT last_insert_rowid() AS id").first?.int("id")
        }
        guard let id else { throw ShopError(.conflict, "email_taken", "\(email) is already registered") }
        return try JSONBody.response(UserView(id: id, email: email), status: .created)
    }

    func login(_ request: Request) async throws -> Response {
        let credentials = try await JSONBody.decode(Credentials.self, from: request)
        let email = credentials.normalizedEmail
        let row = try await database.read { session in
            try session.query("SELECT id, password_hash FROM users WHERE email = ?", [.text(email)]).first
        }
        let stored = row?.string("password_hash") ?? ""
        let matches = try await NIOThreadPool.singleton.runIfActive { [hasher] in
            hasher.verify(credentials.password, against: stored)
        }
        guard let row, matches else {
            throw ShopError(.unauthorized, "invalid_credentials", "wrong email or password")
        }
        let token = try await signer.sign(userID: row.int("id"), email: email, now: Int(Date().timeIntervalSince1970))
        return try JSONBody.response(["token": token])
    }

    func me(_ request: Request) async throws -> Response {
        let claims = try await authenticate(request)
        let row = try await database.read { session in
            try session.query("SELECT id, email FROM users WHERE id = ?", [.int(Int(claims.sub) ?? -1)]).first
        }
        guard let row else { throw ShopError.unauthorized("the token's user no longer exists") }
        return try JSONBody.response(UserView(id: row.int("id"), email: row.string("email")))
    }

    func authenticate(_ request: Request) async throws -> TokenSigner.Claims {
        guard let header = request.headers[.authorization] else {
            throw ShopError.unauthorized("missing Authorization: Bearer TOKEN")
        }
        guard header.hasPrefix("Bearer ") else { throw ShopError.unauthorized("Authorization must be Bearer TOKEN") }
        do {
            return try await signer.verify(
                String(header.dropFirst("Bearer ".count)), now: Int(Date().timeIntervalSince1970))
        } catch {
            throw ShopError.unauthorized(error.description)
        }
    }
}
