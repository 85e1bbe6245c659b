import Foundation
import KitCore

/// Small readings the case pages need from stored bytes without opening anything sealed.
enum CaseEvidence {
    /// The kit's wall clock from an encoded header, or from the first bytes of an envelope (the
    /// header comes first, docs/envelope.md). Nil when the bytes are not a version-1 header.
    static func kitTime(header: [UInt8]?, envelopeHead: [UInt8]?) -> Date? {
        guard let bytes = header ?? envelopeHead else { return nil }
        var offset = 0
        func skip(_ count: Int) -> Bool {
            guard count >= 0, count <= bytes.count - offset else { return false }
            offset += count
            return true
        }
        func skipText() -> Bool {
            guard bytes.count - offset >= 2 else { return false }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            return skip(2) && skip(length)
        }
        guard bytes.count >= 5, Array(bytes.prefix(4)) == Array("BKTX".utf8),
            TransactionEnvelope.supportedFormatVersions.contains(bytes[4])
        else { return nil }
        offset = 5
        // kitId, seq, txId, caseId, baseVersion, kind, monotonicNanos, then wallMillis.
        guard skipText(), skip(8 + 16), skipText(), skip(8), skipText(), skip(8), bytes.count - offset >= 8 else {
            return nil
        }
        let millis = bytes[offset..<(offset + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Date(timeIntervalSince1970: Double(Int64(bitPattern: millis)) / 1_000)
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
