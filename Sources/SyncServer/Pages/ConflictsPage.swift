import Foundation
import KitCore

/// `GET /admin/conflicts`: the open conflicts, each with the three ways back office can settle it,
/// and the recently settled ones below.
struct ConflictsPage {
    /// What the last resolve request did, shown once after the redirect. Only these fixed texts
    /// are ever shown: the query parameter selects one, it is never echoed.
    enum Notice: String {
        case resolved = "erledigt"
        case notOpen = "nicht-offen"

        var html: String {
            switch self {
            case .resolved: return "<p class=\"notice\">Der Konflikt ist entschieden.</p>"
            case .notOpen: return "<p class=\"error\">Dieser Konflikt ist nicht (mehr) offen.</p>"
            }
        }
    }

    /// How many settled conflicts the page shows.
    static let recentlyResolvedLimit = 20

    var open: [ConflictRecord]
    var resolved: [ConflictRecord]
    var now: Date
    var notice: Notice?

    static func label(_ resolution: ConflictResolution) -> String {
        switch resolution {
        case .accept: return "Übernehmen"
        case .discard: return "Verwerfen"
        case .revisit: return "Erneut besuchen"
        }
    }

    static func label(_ reason: ConflictReason) -> String {
        switch reason {
        case .caseClosed: return "Vorgang schon abgeschlossen"
        case .doublePayment: return "doppelte Zahlung"
        case .staleBase: return "Melderegister inzwischen geändert"
        case .doubleIssuance: return "Dokument doppelt ausgegeben"
        case .incomplete: return "Vorgang unvollständig"
        case .damagedOnKit: return "Schritt im Koffer beschädigt und verloren"
        case .identityUnverified: return "Ausweis nicht geprüft oder anderer Ausweis beschrieben"
        case .addressAlreadyChanged: return "Anschrift schon geändert"
        case .registerDisagrees: return "Vorsprache: Melderegister kennt die Person mit anderen Daten"
        }
    }

    func render() -> String {
        var body = notice?.html ?? ""
        body += "<h2>Offen (\(open.count))</h2>\n"
        if open.isEmpty {
            body += "<p class=\"ok\">Keine offenen Konflikte.</p>\n"
        } else {
            body += """
                <table>
                <thead><tr><th>Kit</th><th>Seq</th><th>Vorgang</th><th>Schritt</th><th>Grund</th><th>Einzelheiten</th>\
                <th>Geöffnet</th><th>Entscheidung</th></tr></thead>
                <tbody>

                """
            for conflict in open {
                body += openRow(conflict)
            }
            body += "</tbody>\n</table>\n"
        }
        body += "<h2>Zuletzt entschieden</h2>\n"
        if resolved.isEmpty {
            body += "<p>Noch nichts entschieden.</p>\n"
        } else {
            body += """
                <table>
                <thead><tr><th>Kit</th><th>Seq</th><th>Vorgang</th><th>Schritt</th><th>Grund</th>\
                <th>Entscheidung</th><th>Von</th><th>Wann</th></tr></thead>
                <tbody>

                """
            for conflict in resolved {
                body += resolvedRow(conflict)
            }
            body += "</tbody>\n</table>\n"
        }
        return PageLayout.document(title: "Konflikte", section: .conflicts, body: body)
    }

    func cells(_ conflict: ConflictRecord) -> String {
        "<td><code>\(HTMLEscaping.escape(conflict.kitId))</code></td><td>\(conflict.seq)</td>"
            + "<td><a href=\"\(CasesPage.caseLink(conflict.caseId))\"><code>\(HTMLEscaping.escape(conflict.caseId))</code></a></td>"
            + "<td><code>\(HTMLEscaping.escape(conflict.kind))</code></td>"
            + "<td>\(HTMLEscaping.escape(Self.label(conflict.reason)))"
            + " <code>\(HTMLEscaping.escape(conflict.reason.rawValue))</code></td>"
    }

    func openRow(_ conflict: ConflictRecord) -> String {
        let buttons = ConflictResolution.allCases.map {
            "<button type=\"submit\" name=\"resolution\" value=\"\($0.rawValue)\">\(Self.label($0))</button>"
        }
        return """
            <tr>\(cells(conflict))<td>\(HTMLEscaping.escape(conflict.detail))</td>\
            <td>\(PageTime.html(conflict.openedAt, now: now))</td>\
            <td><form method="post" action="/admin/conflicts/\(conflict.id)/resolve" class="resolve">\
            \(buttons.joined())</form></td></tr>

            """
    }

    func resolvedRow(_ conflict: ConflictRecord) -> String {
        let resolution = conflict.resolution.map(Self.label) ?? "–"
        let when = conflict.resolvedAt.map { PageTime.html($0, now: now) } ?? "–"
        return """
            <tr>\(cells(conflict))<td>\(HTMLEscaping.escape(resolution))</td>\
            <td>\(HTMLEscaping.escape(conflict.resolvedBy ?? "–"))</td><td>\(when)</td></tr>

            """
    }
}
