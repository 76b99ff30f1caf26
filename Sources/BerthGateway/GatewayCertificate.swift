import NIOSSL
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The TLS context of one HTTPS listen address, replaceable while the gateway runs, so that a renewed certificate
/// needs no restart: each new connection takes the current context, and connections already open keep the one they
/// were accepted with. A renewal that does not load keeps the old context.
final class GatewayCertificate: Sendable {
    /// `host:port`, for messages.
    let address: String
    private let state: Mutex<State>

    private struct State {
        var files: GatewayConfiguration.TLS
        var contents: TLSFileContents
        var context: NIOSSLContext
        /// Contents already refused, so that a poll says so once, not every few seconds.
        var refused: TLSFileContents?
    }

    /// Loads the files: an error here is a startup error.
    init(files: GatewayConfiguration.TLS, address: String) throws(GatewayError) {
        self.address = address
        let contents = try files.readFiles()
        let context = try files.makeContext(contents)
        state = Mutex(State(files: files, contents: contents, context: context))
    }

    /// The context a connection accepted now uses.
    var context: NIOSSLContext {
        state.withLock { $0.context }
    }

    /// Reads the files again (`files`, when `berth reload` named other paths) and swaps the context when their
    /// contents changed and load. `quietRepeat` drops the report of contents refused before (for polling).
    func reload(files newFiles: GatewayConfiguration.TLS? = nil, quietRepeat: Bool = false) -> TLSReloadOutcome {
        let files = newFiles ?? state.withLock { $0.files }
        let contents: TLSFileContents
        let context: NIOSSLContext
        do {
            contents = try files.readFiles()
            if contents == state.withLock({ $0.contents }) {
                state.withLock {
                    $0.files = files
                    $0.refused = nil
                }
                return .unchanged
            }
            context = try files.makeContext(contents)
        } catch {
            return state.withLock { current in
                let failed = (try? files.readFiles()) ?? TLSFileContents(certificate: [], privateKey: [])
                let repeated = current.refused == failed
                current.refused = failed
                if repeated && quietRepeat { return .unchanged }
                return .refused(address: address, reason: error.description)
            }
        }
        state.withLock {
            $0.files = files
            $0.contents = contents
            $0.context = context
            $0.refused = nil
        }
        return .reloaded(address: address, certificate: Self.describe(contents))
    }

    /// The leaf's serial number and expiry, to tell in the log which certificate is now served.
    private static func describe(_ contents: TLSFileContents) -> String {
        guard let leaf = try? NIOSSLCertificate.fromPEMBytes(contents.certificate).first else { return "?" }
        let serial = leaf.serialNumber.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "serial \(serial), valid until \(Duration.seconds(leaf.notValidAfter).formattedDate)"
    }
}

/// What re-reading an HTTPS listen address's certificate and key did.
public enum TLSReloadOutcome: Sendable, Equatable, CustomStringConvertible {
    /// The files hold what is served already (or a refusal already reported).
    case unchanged
    /// New connections get the new certificate from now on.
    case reloaded(address: String, certificate: String)
    /// The new files do not load: the previous certificate stays in use.
    case refused(address: String, reason: String)

    public var description: String {
        switch self {
        case .unchanged: "unchanged"
        case .reloaded(let address, let certificate): "TLS certificate of \(address) reloaded (\(certificate))"
        case .refused(let address, let reason):
            "TLS certificate of \(address) not reloaded, the previous one stays in use: \(reason)"
        }
    }
}

extension Duration {
    /// Seconds since the epoch as an ISO 8601 UTC date (`2026-12-05T14:00:00Z`).
    fileprivate var formattedDate: String {
        var time = time_t(components.seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
