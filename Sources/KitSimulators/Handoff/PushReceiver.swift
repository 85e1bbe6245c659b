import Crypto
import Foundation
import KitCore

/// The push side of the reference receiving procedure (docs/handoff.md, "Push"): checks a
/// pushed dossier's HMAC signature (constant-time) and timestamp (replay window), answers a
/// repeated delivery with the confirmation it gave the first time without examining it again,
/// and otherwise examines the dossier like a pulled one (``ReferenceConsumer``) and answers with
/// its confirmation, which the server records.
public actor PushReceiver {
    /// What the receiver answers.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        /// JSON acknowledgement for 200, a sentence otherwise.
        public var body: [UInt8]
        /// The confirmation, for 200.
        public var acknowledgement: HandoffAcknowledgement?
    }

    /// One accepted delivery, in arrival order.
    public struct Delivery: Sendable, Equatable {
        public var dossierId: String
        public var cursor: Int64?
        public var acknowledgement: HandoffAcknowledgement
    }

    public let consumer: ReferenceConsumer
    let secret: PushSecret
    let replayWindow: TimeInterval
    let report: @Sendable (Delivery) -> Void
    private var answered: [String: HandoffAcknowledgement] = [:]
    /// First deliveries, in the order they arrived.
    public private(set) var deliveries: [Delivery] = []
    /// Repeated deliveries answered from memory.
    public private(set) var duplicates = 0
    /// Refusals by reason.
    public private(set) var refusals: [String] = []

    public init(
        consumer: ReferenceConsumer, secret: PushSecret,
        replayWindow: TimeInterval = HandoffPushSignature.defaultReplayWindow,
        report: @escaping @Sendable (Delivery) -> Void = { _ in }
    ) {
        self.consumer = consumer
        self.secret = secret
        self.replayWindow = replayWindow
        self.report = report
    }

    /// Judges one push. `header` looks a header up by name (case-insensitive).
    public func receive(header: @Sendable (String) -> String?, body: [UInt8], now: Date = Date()) -> Answer {
        guard let dossierId = header(HandoffPushSignature.dossierIdHeader), !dossierId.isEmpty,
            dossierId.utf8.count <= 64
        else { return refuse(400, "the Kit-Handoff-Dossier-Id header is missing") }
        do {
            try HandoffPushSignature.verify(
                secret: secret, timestampHeader: header(HandoffPushSignature.timestampHeader),
                signatureHeader: header(HandoffPushSignature.signatureHeader), dossierId: dossierId, body: body,
                now: now, replayWindow: replayWindow)
        } catch {
            return refuse(401, error.description)
        }
        if let earlier = answered[dossierId] {
            duplicates += 1
            return Self.confirm(earlier)
        }
        var acknowledgement = consumer.examine(body)
        if acknowledgement.outcome == .accepted,
            (try? DossierVerifier(serverKey: consumer.serverKey).verify(body).manifest.dossierId) != dossierId
        {
            acknowledgement = .init(outcome: .rejected, reason: "Dossier-Kennung passt nicht zum Inhalt")
        }
        answered[dossierId] = acknowledgement
        let delivery = Delivery(
            dossierId: dossierId, cursor: header(HandoffPushSignature.cursorHeader).flatMap { Int64($0) },
            acknowledgement: acknowledgement)
        deliveries.append(delivery)
        report(delivery)
        return Self.confirm(acknowledgement)
    }

    private func refuse(_ status: Int, _ reason: String) -> Answer {
        refusals.append(reason)
        return Answer(status: status, body: Array("refused: \(reason)\n".utf8), acknowledgement: nil)
    }

    private static func confirm(_ acknowledgement: HandoffAcknowledgement) -> Answer {
        let body = (try? JSONEncoder().encode(acknowledgement)).map(Array.init) ?? []
        return Answer(status: 200, body: body, acknowledgement: acknowledgement)
    }
}
