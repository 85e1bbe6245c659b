import Crypto
import KitCore

/// Which receiving procedures a completed case goes to, by its content (pure): an applied
/// address change to the population register, captured fingerprints (ID card or passport
/// application) to the document authority, a paid fee (or one deferred to a fee notice or an
/// invoice, which the cash office sends) to the cash office, and every case to the DMS.
public enum HandoffRouting {
    public static func procedures(appliedKinds: Set<String>, feePaid: Bool) -> Set<HandoffProcedure> {
        var procedures: Set<HandoffProcedure> = [.dms]
        if appliedKinds.contains(TransactionKind.addressChanged.rawValue) { procedures.insert(.register) }
        if appliedKinds.contains(TransactionKind.fingerprintsCaptured.rawValue) {
            procedures.insert(.documentAuthority)
        }
        if feePaid || appliedKinds.contains(TransactionKind.paymentDeferred.rawValue) {
            procedures.insert(.cashOffice)
        }
        return procedures
    }

    /// The dossier id of a case for a consumer: derived, so recording it twice names the same
    /// dossier (32 hex digits of SHA-256 over case id and consumer name).
    public static func dossierId(caseId: String, consumer: String) -> String {
        String(Hex.encode(SHA256.hash(data: Array("\(caseId)\n\(consumer)".utf8))).prefix(32))
    }
}
