import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// The kit a TLS connection belongs to: the common name of the client certificate the handshake
/// verified against the kit CA, if the certificate is a kit certificate (extended key usage
/// `clientAuth`).
enum ClientCertificateIdentity {
    static func kitId(on channel: any Channel) async -> String? {
        guard let presented = try? await channel.nioSSL_peerCertificate().get(),
            let certificate = try? Certificate(derEncoded: presented.toDERBytes()),
            let usage = try? certificate.extensions.extendedKeyUsage,
            usage.contains(.clientAuth)
        else {
            return nil
        }
        return KitCertificateAuthority.commonName(of: certificate.subject)
    }
}
