import Foundation
import KitCore

/// Small readings the case pages need from stored bytes without opening anything sealed.
enum CaseEvidence {
    /// The kit's wall clock from an encoded header, or from the first bytes of an envelope (the
    /// header comes first, docs/envelope.md). Nil when the bytes do not start with a header.
    static func kitTime(header: [UInt8]?, envelopeHead: [UInt8]?) -> Date? {
        guard let bytes = header ?? envelopeHead, let decoded = try? TransactionHeader(decodingPrefixOf: bytes) else {
            return nil
        }
        return Date(timeIntervalSince1970: Double(decoded.wallMillis) / 1_000)
    }

    /// The case's title from the snapshot JSON back office saved.
    static func title(snapshot: String) -> String? {
        (try? WireCoding.decoder().decode(CaseSnapshot.self, from: Data(snapshot.utf8)))?.title
    }

    /// The audit trail's detail of an evidence view: identifiers only, no personal data.
    static func auditDetail(caseId: String, kitId: String, seq: UInt64, kind: String) -> String {
        "case \(caseId) step \(kitId)/\(seq) (\(kind))"
    }
}
