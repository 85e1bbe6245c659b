import Crypto
import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// The client certificate a TLS connection presented, as far as kit authentication needs it: the
/// handshake verified it against the kit CA (chain and validity); this is what identifies it.
public struct PresentedCertificate: Sendable, Equatable {
    /// The subject's common name: the kit id.
    public var kitId: String
    /// Serial number, lowercase hex without separators (as ``KitCertificateRecord/serial``).
    public var serial: String
    /// SHA-256 over the DER SubjectPublicKeyInfo.
    public var publicKeySHA256: [UInt8]
    public var notValidAfter: Date

    public init(_ certificate: Certificate, kitId: String) {
        self.kitId = kitId
        serial = Self.serial(of: certificate)
        publicKeySHA256 = Self.publicKeySHA256(of: certificate.publicKey)
        notValidAfter = certificate.notValidAfter
    }

    /// The serial number as lowercase hex, no separators.
    public static func serial(of certificate: Certificate) -> String {
        certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 over a public key's DER SubjectPublicKeyInfo (empty if it cannot be encoded).
    public static func publicKeySHA256(of key: Certificate.PublicKey) -> [UInt8] {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(key)) != nil else { return [] }
        return Array(SHA256.hash(data: serializer.serializedBytes))
    }
}

/// The kit a TLS connection belongs to: the client certificate the handshake verified against the
/// kit CA, if it is a kit certificate (extended key usage `clientAuth`) with a common name.
enum ClientCertificateIdentity {
    static func presented(on channel: any Channel) async -> PresentedCertificate? {
        guard let presented = try? await channel.nioSSL_peerCertificate().get(),
            let certificate = try? Certificate(derEncoded: presented.toDERBytes()),
            let usage = try? certificate.extensions.extendedKeyUsage,
            usage.contains(.clientAuth),
            let kitId = KitCertificateAuthority.commonName(of: certificate.subject)
        else {
            return nil
        }
        return PresentedCertificate(certificate, kitId: kitId)
    }

    static func kitId(on channel: any Channel) async -> String? {
        await presented(on: channel)?.kitId
    }
}

extension KitCertificateRecord {
    /// The record the store keeps for a certificate the kit CA just issued.
    init(issued certificate: Certificate, kitId: String, origin: Origin, at issuedAt: Date) throws {
        self.init(
            kitId: kitId, serial: PresentedCertificate.serial(of: certificate),
            publicKeySHA256: PresentedCertificate.publicKeySHA256(of: certificate.publicKey),
            notValidBefore: certificate.notValidBefore, notValidAfter: certificate.notValidAfter, issuedAt: issuedAt,
            origin: origin, certificatePEM: try certificate.serializeAsPEM().pemString)
    }

    /// Whether `presented` is this recorded certificate (serial and key).
    func matches(_ presented: PresentedCertificate) -> Bool {
        serial == presented.serial && publicKeySHA256 == presented.publicKeySHA256
    }
}
