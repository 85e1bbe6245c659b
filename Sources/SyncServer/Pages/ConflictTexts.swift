import KitCore

/// The German texts of the conflicts page in one place: what each reason means and what each
/// decision does (the decisions are ``ConflictResolution``'s; the server applies them).
enum ConflictTexts {
    static func reason(_ reason: ConflictReason) -> String {
        switch reason {
        case .caseClosed: return "Vorgang schon abgeschlossen"
        case .doublePayment: return "Doppelte Zahlung"
        case .staleBase: return "Melderegister inzwischen geändert"
        case .doubleIssuance: return "Dokument doppelt ausgegeben"
        case .incomplete: return "Vorgang unvollständig"
        case .damagedOnKit: return "Schritt im Koffer beschädigt und verloren"
        case .identityUnverified: return "Ausweis nicht geprüft oder anderer Ausweis beschrieben"
        case .addressAlreadyChanged: return "Anschrift schon geändert"
        case .registerDisagrees: return "Vorsprache: Melderegister kennt die Person mit anderen Daten"
        }
    }

    /// One sentence on what happened, for the back-office clerk.
    static func explanation(_ reason: ConflictReason) -> String {
        switch reason {
        case .caseClosed:
            return
                "Der Koffer hat einen Schritt aufgezeichnet, nachdem der Vorgang auf dem Server schon abgeschlossen war."
        case .doublePayment:
            return "Für diesen Vorgang ist schon eine Zahlung eingegangen; der Koffer meldet eine weitere."
        case .staleBase:
            return
                "Der Koffer hat auf einem älteren Stand des Melderegisters gearbeitet; das Register wurde inzwischen geändert."
        case .doubleIssuance:
            return "Dieses Dokument wurde schon einmal ausgegeben."
        case .incomplete:
            return "Der Vorgang wurde im Koffer abgeschlossen, aber vorgeschriebene Schritte fehlen."
        case .damagedOnKit:
            return "Ein Schritt wurde im Koffer beschädigt gefunden; sein Inhalt ist verloren."
        case .identityUnverified:
            return "Die Anschriftenänderung ist an keine passende Ausweisprüfung dieses Vorgangs gebunden."
        case .addressAlreadyChanged:
            return "Die Anschrift dieses Vorgangs wurde schon geändert; eine zweite Änderung wird nicht angewendet."
        case .registerDisagrees:
            return "Bei einer Vorsprache wurden Angaben erfasst, die nicht zum Melderegister passen (anderes "
                + "Geburtsdatum oder andere Anschrift). Der Vorgang wurde angelegt und seine Schritte angewendet."
        }
    }

    static func isPayment(_ reason: ConflictReason) -> Bool { reason == .doublePayment }

    /// The decision's button text.
    static func decision(_ resolution: ConflictResolution, for reason: ConflictReason) -> String {
        if reason == .registerDisagrees {
            switch resolution {
            case .accept: return "Angaben der Vorsprache bestätigen"
            case .discard: return "Angaben der Vorsprache als falsch vermerken"
            case .revisit: return "Person erneut einbestellen"
            }
        }
        switch resolution {
        case .accept: return isPayment(reason) ? "Zahlung des Koffers behalten" : "Wert des Koffers übernehmen"
        case .discard: return isPayment(reason) ? "Zahlung des Koffers erstatten" : "Registerwert behalten"
        case .revisit: return "Erneut besuchen"
        }
    }

    /// What the decision does, in one sentence.
    static func effect(_ resolution: ConflictResolution, for reason: ConflictReason) -> String {
        if reason == .registerDisagrees {
            // The server has applied the walk-in's steps already; the decision records the
            // back office's finding. The register itself is corrected by the registration office.
            switch resolution {
            case .accept:
                return "Der Vorgang bleibt wie angelegt; die Meldebehörde berichtigt das Melderegister gesondert."
            case .discard:
                return "Der Vorgang bleibt angelegt; im Prüfprotokoll steht, dass die Angaben falsch erfasst wurden."
            case .revisit:
                return "Der Vorgang bleibt angelegt; die Person wird zur Klärung noch einmal einbestellt."
            }
        }
        switch resolution {
        case .accept:
            return isPayment(reason)
                ? "Beide Zahlungen bleiben bestehen; der Schritt des Koffers wird angewendet."
                : "Der Schritt des Koffers wird nachträglich angewendet; der Stand des Servers "
                    + "(z. B. die Anschrift im Melderegister) wird damit überschrieben."
        case .discard:
            return isPayment(reason)
                ? "Die Zahlung aus dem Koffer wird verworfen und ist zu erstatten; es gilt die erste Zahlung."
                : "Der Schritt des Koffers wird verworfen; es bleibt beim Stand des Servers und des Melderegisters."
        case .revisit:
            return "Nichts wird angewendet; der Vorgang bleibt offen und der Bürger oder die Bürgerin wird "
                + "noch einmal besucht."
        }
    }

    /// The short label of a decision already taken (list of settled conflicts); without a reason
    /// the general wording.
    static func taken(_ resolution: ConflictResolution, for reason: ConflictReason? = nil) -> String {
        let payment = reason.map(isPayment) ?? false
        switch resolution {
        case .accept: return payment ? "Zahlung des Koffers behalten" : "Wert des Koffers übernommen"
        case .discard: return payment ? "Zahlung des Koffers erstattet" : "Registerwert behalten (Koffer verworfen)"
        case .revisit: return "Erneut besuchen"
        }
    }

    static let noteMissing =
        "Bitte eine Notiz eingeben: sie begründet die Entscheidung im Prüfprotokoll und ist Pflicht."
    static let noteTooLong = "Die Notiz ist zu lang (höchstens 1000 Zeichen)."
    static let decisionMissing = "Bitte eine der Entscheidungen auswählen."
}
