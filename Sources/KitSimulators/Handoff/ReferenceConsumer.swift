import Crypto
import Foundation
import KitCore

/// A reference receiving procedure (docs/handoff.md, "Verification"): verifies a dossier's
/// server signature, kit signatures and chain, opens every sealed file with its key and checks
/// that each payload has the format its step kind promises and that the dossier holds what its
/// procedure needs. The verdict is the confirmation it sends.
public struct ReferenceConsumer: Sendable {
    public let procedure: HandoffProcedure
    public let key: P256.KeyAgreement.PrivateKey
    public let serverKey: P256.Signing.PublicKey

    public init(procedure: HandoffProcedure, key: P256.KeyAgreement.PrivateKey, serverKey: P256.Signing.PublicKey) {
        self.procedure = procedure
        self.key = key
        self.serverKey = serverKey
    }

    /// Accepts, or rejects with the reason (in German: the back office reads it).
    public func examine(_ container: [UInt8]) -> HandoffAcknowledgement {
        do {
            let dossier = try DossierVerifier(serverKey: serverKey).verify(container)
            let snapshot = try JSONDecoder().decode(
                CaseSnapshot.self, from: Data(try dossier.open(dossier.manifest.caseSnapshot, with: key)))
            guard snapshot.caseId == dossier.manifest.caseId else {
                return .init(outcome: .rejected, reason: "Vorgangsdaten gehören zu einem anderen Vorgang")
            }
            var kinds: Set<String> = []
            for step in dossier.manifest.steps {
                let payload = try dossier.open(step.payload, with: key)
                if let problem = Self.formatProblem(kind: step.kind, payload: payload) {
                    return .init(outcome: .rejected, reason: "Schritt \(step.seq) (\(step.kind)): \(problem)")
                }
                kinds.insert(step.kind)
            }
            if let missing = Self.missingStep(for: procedure, kinds: kinds) {
                return .init(outcome: .rejected, reason: "Für dieses Fachverfahren fehlt: \(missing)")
            }
            return .init(outcome: .accepted)
        } catch let error as DossierError {
            return .init(outcome: .rejected, reason: "Dossier ungültig: \(error.description)")
        } catch {
            return .init(outcome: .rejected, reason: "Vorgangsdaten nicht lesbar")
        }
    }

    /// What is wrong with a payload's format, nil when it is what the kind promises (pure).
    static func formatProblem(kind: String, payload: [UInt8]) -> String? {
        func readable<T: Decodable>(_ type: T.Type) -> Bool {
            (try? StepPayload.facts(type, from: payload)) != nil
        }
        switch TransactionKind(rawValue: kind) {
        case .identityChecked:
            return readable(StepPayload.IdentityCheck.self) ? nil : "Ausweisprüfung nicht lesbar"
        case .signatureCaptured:
            return readable(StepPayload.Signature.self) ? nil : "Unterschrift nicht lesbar"
        case .fingerprintsCaptured:
            guard let set = try? StepPayload.facts(StepPayload.FingerprintSet.self, from: payload) else {
                return "Fingerabdrücke nicht lesbar"
            }
            return set.kept.isEmpty && set.skipped.isEmpty ? "keine Fingerabdrücke und keine Begründung" : nil
        case .photoCaptured:
            return StepPayload.Photo.bindingProblem(payload: payload).map { "Lichtbild nicht verwendbar (\($0))" }
        case .paymentOutcome:
            return readable(StepPayload.Payment.self) ? nil : "Zahlung nicht lesbar"
        case .addressChanged:
            return readable(StepPayload.AddressChange.self) ? nil : "Adressänderung nicht lesbar"
        case .documentHandedOut:
            return readable(StepPayload.DocumentHandOut.self) ? nil : "Dokumentausgabe nicht lesbar"
        case .paymentIntent:
            return readable(StepPayload.PaymentIntent.self) ? nil : "Zahlungsabsicht nicht lesbar"
        case .signatureImpossible:
            return readable(StepPayload.SignatureImpossible.self)
                ? nil : "Vermerk „kann nicht unterschreiben“ nicht lesbar"
        case .paymentDeferred:
            return readable(StepPayload.PaymentDeferred.self) ? nil : "Zahlungsaufschub nicht lesbar"
        case .visitImpossible:
            return readable(StepPayload.VisitImpossible.self) ? nil : "Vermerk „Besuch nicht möglich“ nicht lesbar"
        case .stepCancelled:
            return readable(StepPayload.StepCancelled.self) ? nil : "Abbruch nicht lesbar"
        case .caseCompleted, .transactionLost, .kitHandedOver:
            return nil
        case .caseOpened:
            return readable(StepPayload.CaseOpened.self) ? nil : "Vorsprache nicht lesbar"
        case nil:
            return "unbekannte Schrittart"
        }
    }

    /// The step a procedure cannot do without, if missing (pure).
    static func missingStep(for procedure: HandoffProcedure, kinds: Set<String>) -> String? {
        switch procedure {
        case .register:
            return kinds.contains(TransactionKind.addressChanged.rawValue) ? nil : "Adressänderung"
        case .documentAuthority:
            return kinds.contains(TransactionKind.fingerprintsCaptured.rawValue) ? nil : "Fingerabdrücke"
        case .cashOffice:
            return kinds.contains(TransactionKind.paymentOutcome.rawValue)
                || kinds.contains(TransactionKind.paymentDeferred.rawValue) ? nil : "Zahlung"
        case .dms:
            return kinds.contains(TransactionKind.caseCompleted.rawValue) ? nil : "Abschluss des Vorgangs"
        }
    }
}
