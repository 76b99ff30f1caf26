import Foundation

/// A secret the shop's services share (the JWT key of user and order, the internal token of the saga's calls):
/// from the environment when set there, else from a file under `SHOP_DATA_DIR/secrets/` that the first process to
/// need it creates with 32 random bytes (mode 0600, in a 0700 folder).
///
/// Why not a default value in berth.yaml, as before: a default written in the repository is known to everyone, so
/// with it anyone could mint a login token for any user, or call the saga's internal endpoints. Generated on the
/// machine, it is known only to the processes that read the data folder. Several replicas may start at once: each
/// writes its candidate to a temporary file and `link`s it into place, which succeeds for one of them only; the
/// others read the winner's.
public enum ServiceSecret {
    /// The secret named `variable` in `environment`, or the file `name` under `dataDirectory/secrets`.
    public static func load(variable: String, file name: String, environment: ServiceEnvironment) throws -> String {
        if let value = environment.values[variable], !value.isEmpty {
            guard value.utf8.count >= 32 else {
                throw ServiceStartError("\(variable) must be at least 32 bytes, got \(value.utf8.count)")
            }
            return value
        }
        let folder = environment.dataDirectory + "/secrets"
        let path = folder + "/" + name
        if let existing = try read(path) { return existing }
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ServiceStartError("cannot create \(folder) for \(variable): \(error)")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let secret = bytes.map { String(format: "%02x", $0) }.joined()
        let candidate = path + ".\(getpid()).tmp"
        let fd = open(candidate, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ServiceStartError("cannot create \(candidate): \(String(cString: strerror(errno)))")
        }
        let line = Array((secret + "\n").utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        defer { unlink(candidate) }
        guard written == line.count, synced == 0 else {
            throw ServiceStartError("cannot write \(candidate): \(String(cString: strerror(errno)))")
        }
        // One of the processes racing here wins the name; every one then reads what is there.
        if link(candidate, path) != 0, errno != EEXIST {
            throw ServiceStartError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard let stored = try read(path) else { throw ServiceStartError("\(path) vanished after it was created") }
        return stored
    }

    /// The file's secret, nil when there is no file; a file that is not ours alone or too short is an error.
    private static func read(_ path: String) throws -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw ServiceStartError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else {
            throw ServiceStartError("\(path) must be a regular file of ours with mode 0600 (it holds a secret)")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count >= 32 else { throw ServiceStartError("\(path) holds less than 32 bytes") }
        return text
    }
}

/// The token the shop's services show one another on the saga's calls (`Authorization: Bearer TOKEN` on REST,
/// the `authorization` metadata on gRPC): `SHOP_INTERNAL_TOKEN`, or generated into the data folder. The reservation,
/// charge and refund endpoints are reachable through the gateway like every route, so without it anyone could refund
/// another user's order (its idempotency key is `order-ID`) or hold all of an item's stock.
public struct InternalToken: Sendable {
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public static func load(_ environment: ServiceEnvironment) throws -> InternalToken {
        InternalToken(
            try ServiceSecret.load(variable: "SHOP_INTERNAL_TOKEN", file: "internal-token", environment: environment))
    }

    /// `Bearer TOKEN`, as sent.
    public var authorization: String { "Bearer " + value }

    /// Whether `authorization` (the header or metadata value) carries this token; compared in constant time.
    public func accepts(_ authorization: String?) -> Bool {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let given = Array(authorization.utf8.dropFirst(7))
        let expected = Array(value.utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }

    /// The REST check: a `ShopError` (401) unless the request carries the token.
    public func require(_ authorization: String?) throws {
        guard accepts(authorization) else {
            throw ShopError.unauthorized(
                "this endpoint is for the shop's own services (Authorization: Bearer SHOP_INTERNAL_TOKEN)")
        }
    }
}
