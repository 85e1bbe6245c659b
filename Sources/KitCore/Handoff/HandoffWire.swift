import Foundation

/// One entry of a consumer's dossier feed (`GET /v1/handoff/dossiers`).
public struct DossierFeedItem: Codable, Sendable, Equatable {
    public var dossierId: String
    public var caseId: String
    public var procedure: HandoffProcedure
    /// The feed position; pass it as `after` to continue behind this entry.
    public var cursor: String
    /// SHA-256 of the container, lowercase hex.
    public var sha256: String
    public var size: Int
    /// The consumer's confirmation so far (`accepted`, `rejected`), nil while open.
    public var outcome: HandoffOutcome?

    public init(
        dossierId: String, caseId: String, procedure: HandoffProcedure, cursor: String, sha256: String, size: Int,
        outcome: HandoffOutcome?
    ) {
        self.dossierId = dossierId
        self.caseId = caseId
        self.procedure = procedure
        self.cursor = cursor
        self.sha256 = sha256
        self.size = size
        self.outcome = outcome
    }
}

/// A page of the feed, oldest first.
public struct DossierFeedPage: Codable, Sendable, Equatable {
    public var dossiers: [DossierFeedItem]
    /// The cursor to ask with next (the last entry's, or the one asked with when empty).
    public var nextCursor: String?
    public init(dossiers: [DossierFeedItem], nextCursor: String?) {
        self.dossiers = dossiers
        self.nextCursor = nextCursor
    }
}

/// A receiving procedure's confirmation of a dossier (modelled on FIT-Connect's accept / reject).
public enum HandoffOutcome: String, Codable, Sendable, CaseIterable {
    case accepted
    case rejected
}

/// The body of `POST /v1/handoff/dossiers/{id}/ack`.
public struct HandoffAcknowledgement: Codable, Sendable, Equatable {
    public var outcome: HandoffOutcome
    /// Why it was rejected (required then), shown to the back office; at most 1000 characters.
    public var reason: String?

    public init(outcome: HandoffOutcome, reason: String? = nil) {
        self.outcome = outcome
        self.reason = reason
    }

    /// Largest body accepted.
    public static let maximumBodyBytes = 8 << 10
    public static let maximumReasonLength = 1000

    /// Parses and checks a body: JSON object, known outcome, a reason for a rejection, no
    /// control characters in the reason. The error text is for the consumer's IT.
    public static func parse(_ body: [UInt8]) throws(HandoffInputError) -> HandoffAcknowledgement {
        guard body.count <= maximumBodyBytes else {
            throw .invalid("the body is larger than \(maximumBodyBytes) bytes")
        }
        let parsed: HandoffAcknowledgement
        do {
            parsed = try JSONDecoder().decode(HandoffAcknowledgement.self, from: Data(body))
        } catch {
            throw .invalid(#"the body must be {"outcome": "accepted" | "rejected", "reason": "…"}"#)
        }
        var acknowledgement = parsed
        acknowledgement.reason = parsed.reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if acknowledgement.reason?.isEmpty == true { acknowledgement.reason = nil }
        if let reason = acknowledgement.reason {
            guard reason.count <= maximumReasonLength else {
                throw .invalid("the reason is longer than \(maximumReasonLength) characters")
            }
            guard !reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .invalid("the reason contains control characters")
            }
        }
        guard acknowledgement.outcome == .accepted || acknowledgement.reason != nil else {
            throw .invalid("a rejection needs a reason the back office can act on")
        }
        return acknowledgement
    }
}

/// A feed cursor: the decimal feed position of the last dossier seen (`0` or absent: from the
/// start).
public enum DossierCursor {
    public static func parse(_ text: String?) throws(HandoffInputError) -> Int64 {
        guard let text, !text.isEmpty else { return 0 }
        guard text.utf8.count <= 18, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let value = Int64(text)
        else {
            throw .invalid("the cursor must be the decimal number from nextCursor or a feed entry")
        }
        return value
    }
}

/// Refused input of the hand-off API or the consumer tools.
public enum HandoffInputError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let reason): return reason
        }
    }
}
