import Foundation
import KitCore

/// `GET /admin/case?id=…`: one case with each recorded step (kind, kit, the kit's time, the
/// server's receipt, outcome), its conflicts, its dossiers and their confirmations, the
/// retention of its evidence and every logged view of that evidence. While the evidence is held,
/// each step offers "Nachweis ansehen" (a POST, so nothing but the operator's click opens it).
struct CasePage {
    var detail: CaseDetail
    var retentionDays: Int
    var now: Date

    static let evidencePath = "/admin/case/evidence"

    func render() -> String {
        let summary = detail.summary
        var body = """
            <p><a href="/admin/cases">Zurück zu allen Vorgängen</a></p>
            <dl class="facts">
            <dt>Titel</dt><dd>\(HTMLEscaping.escape(detail.title ?? "–"))</dd>
            <dt>Stand</dt><dd id="stand">\(HTMLEscaping.escape(CaseLabels.label(summary.progress)))</dd>
            <dt>Koffer</dt><dd>\(summary.assignedKit.map { "<code>\(HTMLEscaping.escape($0))</code>" } ?? "–")</dd>
            <dt>Version</dt><dd>\(summary.version)</dd>
            </dl>

            """
        body += steps() + conflicts() + dossiers() + retention() + views()
        return PageLayout.document(title: "Vorgang \(summary.caseId)", section: .cases, body: body)
    }

    func steps() -> String {
        guard !detail.steps.isEmpty else { return "<h2>Schritte</h2>\n<p>Noch kein Schritt eingegangen.</p>\n" }
        var html = """
            <h2>Schritte</h2>
            <table>
            <thead><tr><th scope="col">Schritt</th><th scope="col">Art</th><th scope="col">Ergebnis</th>\
            <th scope="col">Koffer (Sachbearbeitung)</th><th scope="col">Zeit am Koffer</th>\
            <th scope="col">Eingang am Server</th><th scope="col">Nachweis</th></tr></thead>
            <tbody>

            """
        for step in detail.steps {
            let kitTime = step.kitTime.map { HTMLEscaping.escape(PageTime.absolute($0)) } ?? "–"
            html +=
                "<tr><th scope=\"row\"><code>\(HTMLEscaping.escape(step.kitId))/\(step.seq)</code></th>"
                + "<td>\(HTMLEscaping.escape(CaseLabels.kind(step.kind)))</td>"
                + "<td>\(HTMLEscaping.escape(CaseLabels.outcome(step.outcome)))</td>"
                + "<td><code>\(HTMLEscaping.escape(step.kitId))</code>\(recordedBy(step))</td><td>\(kitTime)</td>"
                + "<td>\(PageTime.html(step.receivedAt, now: now))</td><td>\(evidenceCell(step))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    /// Who recorded the step (issue #17): "erfasst von Name (id)".
    func recordedBy(_ step: CaseStepRecord) -> String {
        guard let clerk = step.recordedBy else { return "" }
        return "<br>erfasst von \(HTMLEscaping.escape(clerk.name)) (<code>\(HTMLEscaping.escape(clerk.id))</code>)"
    }

    func evidenceCell(_ step: CaseStepRecord) -> String {
        guard step.evidenceHeld else {
            let date = step.evidenceDeletedAt.map { " am \(HTMLEscaping.escape(PageTime.absolute($0)))" } ?? ""
            return "gelöscht\(date)"
        }
        return """
            <form method="post" action="\(Self.evidencePath)">\
            <input type="hidden" name="case" value="\(HTMLEscaping.escape(detail.summary.caseId))">\
            <input type="hidden" name="kit" value="\(HTMLEscaping.escape(step.kitId))">\
            <input type="hidden" name="seq" value="\(step.seq)">\
            <button type="submit">Nachweis ansehen<span class="sr"> (Schritt \(HTMLEscaping.escape(step.kitId))/\
            \(step.seq), \(HTMLEscaping.escape(CaseLabels.kind(step.kind))))</span></button></form>
            """
    }

    func conflicts() -> String {
        guard !detail.conflicts.isEmpty else { return "<h2>Konflikte</h2>\n<p>Keine Konflikte.</p>\n" }
        var html = """
            <h2>Konflikte</h2>
            <table>
            <thead><tr><th scope="col">Schritt</th><th scope="col">Grund</th><th scope="col">Einzelheiten</th>\
            <th scope="col">Erledigung</th></tr></thead>
            <tbody>

            """
        for conflict in detail.conflicts {
            let resolution =
                conflict.resolution.map {
                    HTMLEscaping.escape(ConflictsPage.label($0))
                        + (conflict.resolvedAt.map { " am " + HTMLEscaping.escape(PageTime.absolute($0)) } ?? "")
                } ?? "<span class=\"warn\">offen</span> – <a href=\"/admin/conflicts\">zu den Konflikten</a>"
            html +=
                "<tr><th scope=\"row\"><code>\(HTMLEscaping.escape(conflict.kitId))/\(conflict.seq)</code></th>"
                + "<td>\(HTMLEscaping.escape(ConflictsPage.label(conflict.reason)))</td>"
                + "<td>\(HTMLEscaping.escape(conflict.detail))</td><td>\(resolution)</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    func dossiers() -> String {
        let records = detail.summary.dossiers
        guard !records.isEmpty else {
            return "<h2>Übergaben an Fachverfahren</h2>\n<p>Noch nicht übergeben.</p>\n"
        }
        var html = """
            <h2>Übergaben an Fachverfahren</h2>
            <table>
            <thead><tr><th scope="col">Empfänger</th><th scope="col">Fachverfahren</th><th scope="col">Stand</th>\
            <th scope="col">Begründung</th><th scope="col">Bestätigt</th><th scope="col">Dossier (SHA-256)</th></tr></thead>
            <tbody>

            """
        for dossier in records {
            let confirmed = dossier.acknowledgedAt.map { HTMLEscaping.escape(PageTime.absolute($0)) } ?? "–"
            let sha = dossier.sha256.map { "<code>\(HTMLEscaping.escape(String($0.prefix(16))))…</code>" } ?? "–"
            html +=
                "<tr><th scope=\"row\"><code>\(HTMLEscaping.escape(dossier.consumer))</code></th>"
                + "<td>\(HTMLEscaping.escape(HandoffPage.label(dossier.procedure)))</td>"
                + "<td>\(HTMLEscaping.escape(CaseLabels.dossierState(dossier)))</td>"
                + "<td>\(HTMLEscaping.escape(dossier.reason ?? "–"))</td><td>\(confirmed)</td><td>\(sha)</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    func retention() -> String {
        let summary = detail.summary
        let sentence: String
        if let deleted = summary.evidenceDeletedAt {
            sentence =
                "Die Nachweise wurden am \(PageTime.absolute(deleted)) gelöscht. Kopfdaten, Prüfsummen und "
                + "Signaturen der Schritte bleiben erhalten."
        } else if summary.progress == .accepted,
            let last = summary.dossiers.compactMap(\.acknowledgedAt).max()
        {
            let due = last.addingTimeInterval(Double(retentionDays) * 86_400)
            sentence =
                "Alle Fachverfahren haben angenommen. Die Nachweise werden nach Ablauf der Frist von "
                + "\(retentionDays) Tagen gelöscht, frühestens am \(PageTime.absolute(due))."
        } else {
            sentence =
                "Die Nachweise werden gelöscht, wenn alle Fachverfahren angenommen haben und danach "
                + "\(retentionDays) Tage vergangen sind."
        }
        return "<h2>Aufbewahrung</h2>\n<p id=\"aufbewahrung\">\(HTMLEscaping.escape(sentence))</p>\n"
    }

    func views() -> String {
        guard !detail.views.isEmpty else {
            return
                "<h2>Einsichtnahmen in Nachweise</h2>\n<p>Noch niemand hat Nachweise dieses Vorgangs angesehen.</p>\n"
        }
        var html = """
            <h2>Einsichtnahmen in Nachweise</h2>
            <table id="einsichtnahmen">
            <thead><tr><th scope="col">Zeit</th><th scope="col">Wer</th><th scope="col">Schritt</th></tr></thead>
            <tbody>

            """
        for view in detail.views {
            html +=
                "<tr><td>\(HTMLEscaping.escape(PageTime.absolute(view.at)))</td>"
                + "<td>\(HTMLEscaping.escape(view.viewer))</td>"
                + "<td><code>\(HTMLEscaping.escape(view.kitId))/\(view.seq)</code> "
                + "\(HTMLEscaping.escape(CaseLabels.kind(view.kind)))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }
}
