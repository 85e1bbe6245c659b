import Foundation
import KitCore

/// The evidence of one step, opened in memory for an operator who asked for it on the case page:
/// the signature image, the finger quality table with the reasons for skipped fingers, the
/// receipt lines; for other kinds the recorded facts. Served with `Cache-Control: no-store`
/// (``PageSecurityHeadersMiddleware``); the image travels inside the page (`data:`), so no
/// separate address holds it. After retention deleted the evidence the page says so.
struct EvidencePage {
    enum Body {
        case shown(EvidenceContent, viewer: String, at: Date)
        case deleted(Date?)
        case cannotOpen
    }

    var caseId: String
    var kitId: String
    var seq: UInt64
    var kind: String
    var body: Body

    func render() -> String {
        var html = """
            <p><a href="\(CasesPage.caseLink(caseId))">Zurück zu Vorgang <code>\(HTMLEscaping.escape(caseId))</code></a></p>

            """
        switch body {
        case .deleted(let date):
            let when = date.map { " am \(PageTime.absolute($0))" } ?? ""
            html +=
                "<p class=\"notice\" id=\"geloescht\">Die Nachweise dieses Schritts wurden\(HTMLEscaping.escape(when)) "
                + "nach Ablauf der Aufbewahrungsfrist gelöscht. Es gibt nichts mehr anzuzeigen.</p>\n"
        case .cannotOpen:
            html +=
                "<p class=\"error\">Der Nachweis kann mit dem Datenschlüssel dieses Servers nicht geöffnet werden. "
                + "Bitte die IT verständigen (Protokoll des Sync-Servers).</p>\n"
        case .shown(let content, let viewer, let at):
            html +=
                "<p class=\"notice\" id=\"protokolliert\">Diese Einsichtnahme ist protokolliert: "
                + "\(HTMLEscaping.escape(viewer)), \(HTMLEscaping.escape(PageTime.absolute(at))).</p>\n"
            html += Self.render(content, step: "\(kitId)/\(seq)")
        }
        let title = "Nachweis: \(CaseLabels.kind(kind)), Schritt \(kitId)/\(seq)"
        return PageLayout.document(title: title, section: .cases, body: html)
    }

    static func render(_ content: EvidenceContent, step: String) -> String {
        switch content {
        case .signature(let facts, let png):
            var html = "<h2>Unterschrift</h2>\n"
            if let png {
                html +=
                    "<p><img id=\"unterschrift\" src=\"data:image/png;base64,\(Data(png).base64EncodedString())\" "
                    + "alt=\"Unterschrift, erfasst auf dem Unterschriftenpad (Schritt \(HTMLEscaping.escape(step)))\" "
                    + "class=\"signature\"></p>\n"
            } else {
                html += "<p class=\"warn\">Das Unterschriftsbild liegt nicht im erwarteten Format vor.</p>\n"
            }
            html += """
                <dl class="facts">
                <dt>Prüfsumme des unterschriebenen Textes (SHA-256)</dt><dd><code>\(HTMLEscaping.escape(facts.documentSHA256))</code></dd>
                <dt>Stiftpunkte</dt><dd>\(facts.sampleCount)</dd>
                <dt>Unterschriftenpad</dt><dd>\(HTMLEscaping.escape(facts.padModel ?? "–"))</dd>
                </dl>

                """
            return html
        case .fingerprints(let set):
            var html = """
                <h2>Fingerabdrücke</h2>
                <table id="fingerqualitaet">
                <caption>Qualität je erfasstem Finger</caption>
                <thead><tr><th scope="col">Finger</th><th scope="col">Qualität</th><th scope="col">Schwelle erreicht</th></tr></thead>
                <tbody>

                """
            for kept in set.kept {
                let threshold = kept.meetsThreshold ? "ja" : "<span class=\"warn\">nein</span>"
                html +=
                    "<tr><th scope=\"row\">\(HTMLEscaping.escape(finger(kept.position)))</th>"
                    + "<td>\(kept.score)</td><td>\(threshold)</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
            if set.skipped.isEmpty {
                html += "<p>Kein Finger ausgelassen.</p>\n"
            } else {
                html += """
                    <table id="ausgelassen">
                    <caption>Ausgelassene Finger</caption>
                    <thead><tr><th scope="col">Finger</th><th scope="col">Grund</th></tr></thead>
                    <tbody>

                    """
                for skip in set.skipped {
                    html +=
                        "<tr><th scope=\"row\">\(HTMLEscaping.escape(finger(skip.position)))</th>"
                        + "<td>\(HTMLEscaping.escape(skipReason(skip.reason)))</td></tr>\n"
                }
                html += "</tbody>\n</table>\n"
            }
            return html + "<p>Scanner: \(HTMLEscaping.escape(set.scanner ?? "–"))</p>\n"
        case .payment(let payment):
            let cents = abs(payment.amountCents % 100)
            let euros = "\(payment.amountCents / 100),\(cents < 10 ? "0" : "")\(cents) €"
            var html = """
                <h2>Zahlung</h2>
                <dl class="facts">
                <dt>Betrag</dt><dd>\(HTMLEscaping.escape(euros))</dd>
                <dt>Ergebnis</dt><dd>\(payment.approved ? "genehmigt" : "nicht genehmigt")</dd>
                <dt>Belegnummer</dt><dd>\(HTMLEscaping.escape(payment.receipt ?? "–"))</dd>
                <dt>Trace-Nummer</dt><dd>\(HTMLEscaping.escape(payment.trace ?? "–"))</dd>
                </dl>

                """
            if let lines = payment.receiptLines, !lines.isEmpty {
                html +=
                    "<h3>Beleg</h3>\n<pre id=\"beleg\">\(HTMLEscaping.escape(lines.joined(separator: "\n")))</pre>\n"
            } else {
                html += "<p>Das Terminal hat keine Belegzeilen übermittelt.</p>\n"
            }
            return html
        case .facts(let text):
            return "<h2>Erfasste Angaben</h2>\n<pre>\(HTMLEscaping.escape(text))</pre>\n"
        case .unreadable:
            return "<p class=\"warn\">Die Angaben dieses Schritts liegen nicht im erwarteten Format vor.</p>\n"
        }
    }

    /// "rightIndex" → "rechter Zeigefinger".
    static func finger(_ position: String) -> String {
        let sides = [("right", "rechter"), ("left", "linker")]
        let fingers = [
            ("Thumb", "Daumen"), ("Index", "Zeigefinger"), ("Middle", "Mittelfinger"), ("Ring", "Ringfinger"),
            ("Little", "kleiner Finger"),
        ]
        for (side, sideLabel) in sides where position.hasPrefix(side) {
            for (name, label) in fingers where position == side + name {
                return "\(sideLabel) \(label)"
            }
        }
        return position
    }

    static func skipReason(_ reason: String) -> String {
        switch reason {
        case "missing": return "fehlt"
        case "injured": return "verletzt"
        case "notCapturable": return "nicht erfassbar"
        case "noUsableImage": return "kein brauchbares Bild"
        default: return reason
        }
    }
}
