import Foundation
import KitCore

/// `GET /admin/handoff` ("Übergaben"): the dossiers handed to the specialist procedures —
/// rejected ones first, with the procedure's reason, then the recent ones with their state.
struct HandoffPage {
    static let recentLimit = 50

    var dossiers: [DossierRecord]
    var now: Date
    /// Push deliveries not done yet (empty when no consumer has a push endpoint).
    var pushQueue: [PushQueueEntry] = []
    var notice: PushDeliverySection.Notice?

    static func label(_ procedure: HandoffProcedure) -> String {
        switch procedure {
        case .register: return "Melderegister"
        case .documentAuthority: return "Pass- und Ausweisbehörde"
        case .cashOffice: return "Stadtkasse"
        case .dms: return "E-Akte"
        }
    }

    static func state(_ dossier: DossierRecord) -> String {
        let state: String
        switch (dossier.builtAt, dossier.outcome) {
        case (nil, _): state = "wartet auf Erstellung"
        case (_, nil): state = "bereitgestellt, nicht bestätigt"
        case (_, .accepted): state = "angenommen"
        case (_, .rejected): state = "abgelehnt"
        }
        return dossier.evidenceDeletedAt == nil ? state : state + ", Nachweise gelöscht"
    }

    func render() -> String {
        let rejected = dossiers.filter { $0.outcome == .rejected }
        var body = notice?.html ?? ""
        body += "<h2>Abgelehnt (\(rejected.count))</h2>\n"
        if rejected.isEmpty {
            body += "<p class=\"ok\">Kein Fachverfahren hat eine Übergabe abgelehnt.</p>\n"
        } else {
            body += table(rejected, withReason: true)
        }
        body += PushDeliverySection(queue: pushQueue, now: now).render()
        body += "<h2>Zuletzt übergeben</h2>\n"
        body +=
            dossiers.isEmpty
            ? "<p>Noch keine Übergaben.</p>\n" : table(Array(dossiers.prefix(Self.recentLimit)), withReason: false)
        return PageLayout.document(title: "Übergaben", section: .handoff, body: body)
    }

    func table(_ records: [DossierRecord], withReason: Bool) -> String {
        var html = """
            <table>
            <thead><tr><th>Vorgang</th><th>Fachverfahren</th><th>Empfänger</th><th>Stand</th>\
            \(withReason ? "<th>Begründung</th>" : "")<th>Erfasst</th></tr></thead>
            <tbody>

            """
        for dossier in records {
            html +=
                "<tr><td><a href=\"\(CasesPage.caseLink(dossier.caseId))\"><code>\(HTMLEscaping.escape(dossier.caseId))</code></a></td>"
                + "<td>\(HTMLEscaping.escape(Self.label(dossier.procedure)))</td>"
                + "<td><code>\(HTMLEscaping.escape(dossier.consumer))</code></td>"
                + "<td>\(HTMLEscaping.escape(Self.state(dossier)))</td>"
                + (withReason ? "<td>\(HTMLEscaping.escape(dossier.reason ?? "–"))</td>" : "")
                + "<td>\(PageTime.html(dossier.recordedAt, now: now))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }
}
