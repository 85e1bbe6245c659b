import Crypto
import Foundation

/// Seals a dossier file to the receiving procedure's key: HPKE (RFC 9180) base mode,
/// DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM (BSI TR-02102-1), one encapsulation per
/// file. Layout: `enc (65 bytes) ‖ ciphertext with tag`. The associated data is
/// `dossierId "/" fileName`, so a sealed file cannot be moved to another dossier or name.
public enum DossierSealing {
    public static let infoText = "buergeramtskoffer dossier v1"
    static let encapsulatedKeyLength = 65

    public static func seal(
        _ plaintext: some DataProtocol, to recipient: P256.KeyAgreement.PublicKey, dossierId: String, file: String
    ) throws(DossierError) -> [UInt8] {
        do {
            var sender = try HPKE.Sender(
                recipientKey: recipient, ciphersuite: .P256_SHA256_AES_GCM_256, info: Data(infoText.utf8))
            let ciphertext = try sender.seal(plaintext, authenticating: Data("\(dossierId)/\(file)".utf8))
            return Array(sender.encapsulatedKey) + Array(ciphertext)
        } catch {
            throw .sealing("\(file) cannot be sealed: \(error)")
        }
    }

    public static func open(
        _ sealed: [UInt8], with key: P256.KeyAgreement.PrivateKey, dossierId: String, file: String
    ) throws(DossierError) -> [UInt8] {
        guard sealed.count > encapsulatedKeyLength + 16 else { throw .sealing("\(file) is too short to be sealed") }
        do {
            var recipient = try HPKE.Recipient(
                privateKey: key, ciphersuite: .P256_SHA256_AES_GCM_256, info: Data(infoText.utf8),
                encapsulatedKey: Data(sealed.prefix(encapsulatedKeyLength)))
            return Array(
                try recipient.open(
                    Data(sealed.dropFirst(encapsulatedKeyLength)), authenticating: Data("\(dossierId)/\(file)".utf8)))
        } catch {
            throw .sealing("\(file) cannot be opened with this key (another consumer's key, or the file was altered)")
        }
    }
}
