import Foundation

/// The facts inside sealed payloads that the server's conflict rules need. The kit's drivers
/// produce richer payloads (signature records, finger sets, receipts); these structures are the
/// JSON part every payload of that kind carries, so the server can decide without parsing
/// device formats.
public enum StepPayload {
    /// `payment.outcome`.
    public struct Payment: Codable, Sendable, Equatable {
        public var approved: Bool
        public var amountCents: Int
        /// Terminal trace number (BMP 0B) and receipt number (BMP 87), when approved.
        public var trace: String?
        public var receipt: String?
        /// ISO 4217 numeric currency (978 = EUR), when the terminal reported it.
        public var currencyCode: Int?
        /// `txId` of the `payment.intent` transaction this outcome resolves, when the payment
        /// ran through the kit's crash-safe payment flow.
        public var intentTxId: String?
        /// Why the payment did not happen (decline text, "terminal not reachable", …).
        public var reason: String?
        /// Whether the outcome was learned from the terminal after a crash or a broken link
        /// (status enquiry 05 01 and repeat receipt 06 20) rather than from the payment itself.
        public var recovered: Bool?
        /// The terminal's receipt text lines (card number masked by the terminal).
        public var receiptLines: [String]?
        /// Set when a person, not the terminal, settled the outcome (the terminal could not tell,
        /// e.g. it was replaced): what they checked, in their words.
        public var manualResolution: String?
        public init(
            approved: Bool, amountCents: Int, trace: String? = nil, receipt: String? = nil, currencyCode: Int? = nil,
            intentTxId: String? = nil, reason: String? = nil, recovered: Bool? = nil, receiptLines: [String]? = nil,
            manualResolution: String? = nil
        ) {
            self.manualResolution = manualResolution
            self.approved = approved
            self.amountCents = amountCents
            self.trace = trace
            self.receipt = receipt
            self.currencyCode = currencyCode
            self.intentTxId = intentTxId
            self.reason = reason
            self.recovered = recovered
            self.receiptLines = receiptLines
        }
    }

    /// `payment.intent`: committed before the terminal receives Authorization 06 01, so a payment
    /// whose outcome the kit never saw can be found and resolved (issue #6, crash safety).
    public struct PaymentIntent: Codable, Sendable, Equatable {
        public var amountCents: Int
        /// ISO 4217 numeric currency (978 = EUR).
        public var currencyCode: Int
        /// The terminal's last trace number known before the payment, if any.
        public var previousTraceNumber: Int?
        public init(amountCents: Int, currencyCode: Int, previousTraceNumber: Int? = nil) {
            self.amountCents = amountCents
            self.currencyCode = currencyCode
            self.previousTraceNumber = previousTraceNumber
        }
    }

    /// `address.changed`: `baseVersion` of its envelope is the register record version the kit saw.
    /// `cardBinding` names the card written to (see ``IdentityCheck/cardBinding``); the server
    /// applies the change only after an applied, matching identity check of the same case with the
    /// same binding.
    public struct AddressChange: Codable, Sendable, Equatable {
        public var citizenId: String
        public var newAddress: CaseSnapshot.Address
        public var cardBinding: String?
        public init(citizenId: String, newAddress: CaseSnapshot.Address, cardBinding: String? = nil) {
            self.citizenId = citizenId
            self.newAddress = newAddress
            self.cardBinding = cardBinding
        }
    }

    /// `transaction.lost`: the tombstone a kit sends for a queued envelope it found damaged before
    /// sending. `originalHash` is the chain hash of the lost envelope (what the next envelope's
    /// `prevHash` names), so the server's chain goes on after it.
    public struct TransactionLost: Codable, Sendable, Equatable {
        /// The lost transaction's id, kind and case as the kit's queue row still holds them.
        public var originalTxId: String
        public var originalKind: String
        /// SHA-256 of the lost envelope, lower-case hex.
        public var originalHash: String
        /// What the kit found, in English for IT ("stored bytes do not match their hash").
        public var damage: String
        public init(originalTxId: String, originalKind: String, originalHash: String, damage: String) {
            self.originalTxId = originalTxId
            self.originalKind = originalKind
            self.originalHash = originalHash
            self.damage = damage
        }
    }

    /// `step.cancelled`: which device step the clerk cancelled while it waited (`signature`,
    /// `fingerprints`, `identity`, `address`); nothing of it was captured.
    public struct StepCancelled: Codable, Sendable, Equatable {
        public var step: String
        public init(step: String) { self.step = step }
    }

    /// `signature.impossible`: why the citizen cannot sign, and the witness's note (who witnessed,
    /// how the citizen declared consent) in the clerk's words.
    public struct SignatureImpossible: Codable, Sendable, Equatable {
        /// `cannot-write` (physically unable), `cannot-read` (cannot read the text), `other`.
        public var reason: String
        public var witnessNote: String
        public static let reasons: Set<String> = ["cannot-write", "cannot-read", "other"]
        public init(reason: String, witnessNote: String) {
            self.reason = reason
            self.witnessNote = witnessNote
        }
    }

    /// `payment.deferred`: the fee is not paid at the door; the office sends a fee notice or an invoice.
    public struct PaymentDeferred: Codable, Sendable, Equatable {
        /// `fee-notice` (Gebührenbescheid) or `invoice` (Rechnung).
        public var method: String
        public var amountCents: Int
        public static let methods: Set<String> = ["fee-notice", "invoice"]
        public init(method: String, amountCents: Int) {
            self.method = method
            self.amountCents = amountCents
        }
    }

    /// `visit.impossible`: why the visit could not take place; the case stays open for a new date.
    public struct VisitImpossible: Codable, Sendable, Equatable {
        /// `nobody-home`, `cancelled-by-citizen`, `health`, `unsafe`, `other`.
        public var reason: String
        /// The clerk's note (optional for the listed reasons, required for `other`).
        public var note: String?
        public static let reasons: Set<String> = ["nobody-home", "cancelled-by-citizen", "health", "unsafe", "other"]
        public init(reason: String, note: String?) {
            self.reason = reason
            self.note = note
        }
    }

    /// `document.handed-out`.
    public struct DocumentHandOut: Codable, Sendable, Equatable {
        public var documentId: String
        public init(documentId: String) { self.documentId = documentId }
    }

    /// `signature.captured`: the facts in front of the "KSIG" attachment (ISO/IEC 19794-7 record and
    /// PNG, bound to the SHA-256 of the signed text). The text itself stays in the case.
    public struct Signature: Codable, Sendable, Equatable {
        /// SHA-256 of the signed text's UTF-8 bytes, lowercase hex; the record embeds the same digest.
        public var documentSHA256: String
        /// Pen samples in the record.
        public var sampleCount: Int
        /// Pad model that captured it, e.g. "STU-540".
        public var padModel: String?
        public init(documentSHA256: String, sampleCount: Int, padModel: String? = nil) {
            self.documentSHA256 = documentSHA256
            self.sampleCount = sampleCount
            self.padModel = padModel
        }
    }

    /// `fingerprints.captured`: the facts in front of the finger-set attachment (ISO/IEC 19794-4
    /// records with WSQ images, BSI TR-03121-3 order); one transaction per finger set.
    public struct FingerprintSet: Codable, Sendable, Equatable {
        /// A kept finger: its position name (e.g. "rightIndex"), quality score and whether it met the threshold.
        public struct Finger: Codable, Sendable, Equatable {
            public var position: String
            public var score: Int
            public var meetsThreshold: Bool
            public init(position: String, score: Int, meetsThreshold: Bool) {
                self.position = position
                self.score = score
                self.meetsThreshold = meetsThreshold
            }
        }
        /// A skipped finger and the recorded reason (missing, injured, notCapturable, noUsableImage).
        public struct Skip: Codable, Sendable, Equatable {
            public var position: String
            public var reason: String
            public init(position: String, reason: String) {
                self.position = position
                self.reason = reason
            }
        }
        public var kept: [Finger]
        public var skipped: [Skip]
        /// Scanner that captured them, e.g. "libfprint/virtual_image".
        public var scanner: String?
        public init(kept: [Finger], skipped: [Skip], scanner: String? = nil) {
            self.kept = kept
            self.skipped = skipped
            self.scanner = scanner
        }
    }

    /// Decodes the JSON facts from a payload: either the whole payload is that JSON, or the payload
    /// is `u32 big-endian length ‖ JSON ‖ binary attachment` (signature records, finger sets).
    public static func facts<T: Decodable>(_ type: T.Type, from payload: [UInt8]) throws -> T {
        if payload.first == UInt8(ascii: "{") {
            return try JSONDecoder().decode(T.self, from: Data(payload))
        }
        guard payload.count >= 4 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "payload too short"))
        }
        let length = payload.prefix(4).reduce(0) { ($0 << 8) | Int($1) }
        guard length <= payload.count - 4 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "facts length beyond payload"))
        }
        return try JSONDecoder().decode(T.self, from: Data(payload[4..<(4 + length)]))
    }

    /// Builds a payload of JSON facts followed by a binary attachment.
    public static func compose(facts: some Encodable, attachment: [UInt8] = []) throws -> [UInt8] {
        let json = Array(try JSONEncoder().encode(facts))
        if attachment.isEmpty { return json }
        let length = UInt32(json.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + json
            + attachment
    }
}
