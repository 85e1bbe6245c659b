import Foundation

/// `POST /v1/enroll`: a kit redeems the one-time token an operator created for it.
public struct EnrollmentRequest: Codable, Sendable, Equatable {
    public var kitId: String
    public var token: String
    /// The kit's signing public key, x9.63 (65 bytes), base64 in JSON.
    public var signingKey: Data
    /// PKCS#10 certificate request (RFC 2986, PEM) for the kit's TLS client key; subject CN = kit id.
    public var csr: String

    public init(kitId: String, token: String, signingKey: Data, csr: String) {
        self.kitId = kitId
        self.token = token
        self.signingKey = signingKey
        self.csr = csr
    }
}

/// The server's answer to a successful enrollment.
public struct EnrollmentReply: Codable, Sendable, Equatable {
    public var kitId: String
    /// The kit's API token for all further requests (shown once; the server keeps only a hash).
    public var apiToken: String
    /// The server's data public key (PEM) that payloads are sealed to.
    public var serverDataKey: String
    /// The kit's TLS client certificate (PEM) issued by the server's kit CA.
    public var clientCertificate: String
    /// The kit CA certificate (PEM): the only trust root for the server's TLS certificate.
    public var caCertificate: String

    public init(
        kitId: String, apiToken: String, serverDataKey: String, clientCertificate: String, caCertificate: String
    ) {
        self.kitId = kitId
        self.apiToken = apiToken
        self.serverDataKey = serverDataKey
        self.clientCertificate = clientCertificate
        self.caCertificate = caCertificate
    }
}

/// `POST /v1/kits/{kit}/certificate`: a kit, presenting its current client certificate and its API
/// token, asks for a new client certificate before the current one expires.
public struct CertificateRenewalRequest: Codable, Sendable, Equatable {
    /// PKCS#10 certificate request (RFC 2986, PEM) for the kit's next TLS client key (preferably a
    /// new key); subject CN = kit id.
    public var csr: String

    public init(csr: String) {
        self.csr = csr
    }
}

/// The server's answer to a renewal: the new client certificate, now the kit's only accepted one.
public struct CertificateRenewalReply: Codable, Sendable, Equatable {
    /// The new TLS client certificate (PEM) issued by the kit CA.
    public var clientCertificate: String
    /// The kit CA certificate (PEM), for checking the new certificate.
    public var caCertificate: String
    /// When the new certificate expires.
    public var notValidAfter: Date
    /// True when the server handed out again the certificate of a renewal whose answer the kit
    /// never stored (it presented the certificate that renewal replaced, with a request for the
    /// same key).
    public var recovered: Bool

    public init(clientCertificate: String, caCertificate: String, notValidAfter: Date, recovered: Bool) {
        self.clientCertificate = clientCertificate
        self.caCertificate = caCertificate
        self.notValidAfter = notValidAfter
        self.recovered = recovered
    }
}
