/// The certificate chain and private key (PEM files) of a gateway listen address that serves HTTPS.
public struct TLSFiles: Sendable, Codable, Equatable {
    /// Absolute path of the PEM certificate chain (leaf first).
    public var certificate: String
    /// Absolute path of the PEM private key.
    public var privateKey: String

    public init(certificate: String, privateKey: String) {
        self.certificate = certificate
        self.privateKey = privateKey
    }
}
