import NIOSSL

extension GatewayConfiguration.TLS {
    /// Loads the PEM files into a server context (TLS 1.2+, HTTP/1.1 by ALPN); errors name the file at fault.
    func makeContext() throws(GatewayError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw GatewayError(description: "cannot read the TLS certificate \(certificatePath): \(error)")
        }
        guard !chain.isEmpty else {
            throw GatewayError(description: "the TLS certificate file \(certificatePath) holds no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw GatewayError(description: "cannot read the TLS private key \(privateKeyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw GatewayError(
                description: "the TLS key \(privateKeyPath) does not fit the certificate \(certificatePath): \(error)")
        }
    }
}
