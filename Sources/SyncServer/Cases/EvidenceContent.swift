import Foundation
import KitCore

/// What the evidence view shows of one opened step payload (in memory only, never stored): the
/// signature image, the finger quality table, the receipt lines; for other kinds the facts.
enum EvidenceContent: Equatable {
    case signature(StepPayload.Signature, png: [UInt8]?)
    case fingerprints(StepPayload.FingerprintSet)
    case payment(StepPayload.Payment)
    /// A kind without a dedicated view: its JSON facts, pretty-printed.
    case facts(String)
    /// The payload does not read as this kind's facts.
    case unreadable

    static func decode(kind: String, payload: [UInt8]) -> EvidenceContent {
        switch TransactionKind(rawValue: kind) {
        case .signatureCaptured:
            guard let facts = try? StepPayload.facts(StepPayload.Signature.self, from: payload) else {
                return .unreadable
            }
            return .signature(facts, png: SignatureAttachment.png(in: attachment(of: payload)))
        case .fingerprintsCaptured:
            return (try? StepPayload.facts(StepPayload.FingerprintSet.self, from: payload)).map { .fingerprints($0) }
                ?? .unreadable
        case .paymentOutcome:
            return (try? StepPayload.facts(StepPayload.Payment.self, from: payload)).map { .payment($0) }
                ?? .unreadable
        default:
            return factsText(payload).map { .facts($0) } ?? .unreadable
        }
    }

    /// The bytes after the JSON facts (empty when the payload is JSON only).
    static func attachment(of payload: [UInt8]) -> ArraySlice<UInt8> {
        guard payload.first != UInt8(ascii: "{"), payload.count >= 4 else { return [] }
        let length = payload.prefix(4).reduce(0) { ($0 << 8) | Int($1) }
        guard length <= payload.count - 4 else { return [] }
        return payload[(4 + length)...]
    }

    /// The JSON facts, pretty-printed with sorted keys.
    static func factsText(_ payload: [UInt8]) -> String? {
        let json: ArraySlice<UInt8>
        if payload.first == UInt8(ascii: "{") {
            json = payload[...]
        } else {
            guard payload.count >= 4 else { return nil }
            let length = payload.prefix(4).reduce(0) { ($0 << 8) | Int($1) }
            guard length <= payload.count - 4 else { return nil }
            json = payload[4..<(4 + length)]
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return nil }
        return String(decoding: pretty, as: UTF8.self)
    }
}
