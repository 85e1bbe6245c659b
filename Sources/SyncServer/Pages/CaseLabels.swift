import KitCore

/// German words for the case pages: states, step kinds and step outcomes, and the state names
/// used in the case list's address (`/admin/cases?stand=konflikt`).
enum CaseLabels {
    static func label(_ progress: CaseProgress) -> String {
        switch progress {
        case .conflict: return "Konflikt offen"
        case .evidenceDeleted: return "Nachweise gelöscht"
        case .atKit: return "beim Koffer"
        case .rejected: return "abgelehnt"
        case .accepted: return "angenommen"
        case .handedOff: return "übergeben"
        case .completed: return "abgeschlossen"
        }
    }

    static func slug(_ progress: CaseProgress) -> String {
        switch progress {
        case .conflict: return "konflikt"
        case .evidenceDeleted: return "geloescht"
        case .atKit: return "beim-koffer"
        case .rejected: return "abgelehnt"
        case .accepted: return "angenommen"
        case .handedOff: return "uebergeben"
        case .completed: return "abgeschlossen"
        }
    }

    static func progress(slug: String) -> CaseProgress? {
        CaseProgress.allCases.first { Self.slug($0) == slug }
    }

    static func kind(_ kind: String) -> String {
        switch TransactionKind(rawValue: kind) {
        case .identityChecked: return "Identität geprüft"
        case .signatureCaptured: return "Unterschrift"
        case .paymentIntent: return "Zahlung begonnen"
        case .paymentOutcome: return "Zahlung"
        case .fingerprintsCaptured: return "Fingerabdrücke"
        case .photoCaptured: return "Lichtbild"
        case .addressChanged: return "Anschrift geändert"
        case .documentHandedOut: return "Dokument ausgehändigt"
        case .caseCompleted: return "Vorgang abgeschlossen"
        case .transactionLost: return "Schritt auf dem Koffer verloren"
        case .kitHandedOver: return "Koffer übergeben"
        case .stepCancelled: return "Geräteschritt abgebrochen"
        case .signatureImpossible: return "Unterschrift nicht möglich (Zeugenvermerk)"
        case .paymentDeferred: return "Zahlung per Gebührenbescheid/Rechnung"
        case .visitImpossible: return "Besuch nicht möglich"
        case .caseOpened: return "Vorsprache eröffnet"
        case nil: return kind
        }
    }

    static func outcome(_ outcome: String) -> String {
        switch IngestOutcome(rawValue: outcome) {
        case .applied: return "übernommen"
        case .duplicate: return "doppelt"
        case .conflict: return "Konflikt"
        case .rejected: return "abgewiesen"
        case .refused: return "nicht angenommen"
        case nil: return outcome
        }
    }

    /// A receiver's answer to its dossier.
    static func dossierState(_ dossier: DossierRecord) -> String {
        switch (dossier.builtAt, dossier.outcome) {
        case (nil, _): return "wartet auf Erstellung"
        case (_, nil): return "bereitgestellt, nicht bestätigt"
        case (_, .accepted): return "angenommen"
        case (_, .rejected): return "abgelehnt"
        }
    }
}
