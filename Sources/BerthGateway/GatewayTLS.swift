import NIOSSL

#if canImport(Glibc)
    import Glibc
#endif

extension GatewayConfiguration.TLS {
    /// What TLS 1.2 clients may negotiate: ECDHE key exchange (forward secrecy) with AEAD ciphers only, as Mozilla's
    /// "intermediate" profile; no static-RSA key exchange and no CBC. TLS 1.3's suites all qualify already.
    static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// Loads the PEM files into a server context (TLS 1.2+, HTTP/2 then HTTP/1.1 by ALPN); errors name the file at
    /// fault.
    func makeContext() throws(GatewayError) -> NIOSSLContext {
        try makeContext(try readFiles())
    }

    /// The bytes of both files, as they are now: what a reload compares to tell a renewed certificate.
    func readFiles() throws(GatewayError) -> TLSFileContents {
        TLSFileContents(
            certificate: try Self.read(certificatePath, what: "certificate"),
            privateKey: try Self.read(privateKeyPath, what: "private key"))
    }

    /// A server context for `contents` (read from this configuration's files, which the errors name).
    func makeContext(_ contents: TLSFileContents) throws(GatewayError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(contents.certificate)
        } catch {
            throw GatewayError(description: "cannot read the TLS certificate \(certificatePath): \(error)")
        }
        guard !chain.isEmpty else {
            throw GatewayError(description: "the TLS certificate file \(certificatePath) holds no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: contents.privateKey, format: .pem)
        } catch {
            throw GatewayError(description: "cannot read the TLS private key \(privateKeyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = Self.tls12CipherSuites
        // h2 first: HTTP/2 clients (gRPC over TLS, browsers) get it; the others keep HTTP/1.1.
        configuration.applicationProtocols = ["h2", "http/1.1"]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw GatewayError(
                description: "the TLS key \(privateKeyPath) does not fit the certificate \(certificatePath): \(error)")
        }
    }

    /// Reads a whole (small) PEM file, following symbolic links (certbot's live/ names are links into archive/).
    private static func read(_ path: String, what: String) throws(GatewayError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw GatewayError(description: "cannot read the TLS \(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else {
                throw GatewayError(
                    description: "cannot read the TLS \(what) \(path): \(String(cString: strerror(errno)))")
            }
            if got == 0 { return bytes }
            bytes += chunk[0..<got]
            // A PEM chain is a few KiB: a huge file is not one (and must not fill memory each poll).
            guard bytes.count <= 1 << 20 else {
                throw GatewayError(description: "the TLS \(what) \(path) is larger than 1 MiB")
            }
        }
    }
}

/// The contents of a listen address's certificate and key files: compared, not the paths, to tell a renewal.
struct TLSFileContents: Equatable, Sendable {
    var certificate: [UInt8]
    var privateKey: [UInt8]
}
