import Foundation
import KitCore

/// `GET /admin/cases` ("Vorgänge"): every case with where it stands — at the kit, completed,
/// conflict, handed off, accepted or rejected by which receiver (with its reason), evidence
/// deleted on which date — filtered by state and paged.
struct CasesPage {
    static let pageSize = 50

    var page: CaseOverviewPage
    var filter: CaseProgress?
    /// 1-based.
    var pageNumber: Int
    var now: Date

    var pageCount: Int { max(1, (page.total(filter) + Self.pageSize - 1) / Self.pageSize) }

    static func link(filter: CaseProgress?, page: Int) -> String {
        var parts: [String] = []
        if let filter { parts.append("stand=\(CaseLabels.slug(filter))") }
        if page > 1 { parts.append("seite=\(page)") }
        return "/admin/cases" + (parts.isEmpty ? "" : "?" + parts.joined(separator: "&amp;"))
    }

    static func caseLink(_ caseId: String) -> String {
        "/admin/case?id=" + HTMLEscaping.escape(PageQuery.encode(caseId))
    }

    func render() -> String {
        var body = filterForm()
        let total = page.total(filter)
        let shown = filter.map { "im Stand „\(CaseLabels.label($0))“" } ?? "insgesamt"
        body += "<p id=\"anzahl\">\(total) \(total == 1 ? "Vorgang" : "Vorgänge") \(HTMLEscaping.escape(shown)).</p>\n"
        if page.cases.isEmpty {
            body += "<p>Keine Vorgänge in dieser Auswahl.</p>\n"
        } else {
            body += table()
        }
        body += pager()
        return PageLayout.document(title: "Vorgänge", section: .cases, body: body)
    }

    func filterForm() -> String {
        var options = "<option value=\"\"\(filter == nil ? " selected" : "")>alle (\(page.total(nil)))</option>"
        for progress in CaseProgress.allCases {
            let selected = progress == filter ? " selected" : ""
            options +=
                "<option value=\"\(CaseLabels.slug(progress))\"\(selected)>"
                + "\(HTMLEscaping.escape(CaseLabels.label(progress))) (\(page.counts[progress] ?? 0))</option>"
        }
        return """
            <form method="get" action="/admin/cases" class="filter">
            <label for="stand">Stand</label>
            <select id="stand" name="stand">\(options)</select>
            <button type="submit">Anzeigen</button>
            </form>

            """
    }

    func table() -> String {
        var html = """
            <table>
            <caption>Vorgänge, Seite \(pageNumber) von \(pageCount)</caption>
            <thead><tr><th scope="col">Vorgang</th><th scope="col">Stand</th><th scope="col">Koffer</th>\
            <th scope="col">Übergaben an Fachverfahren</th><th scope="col">Nachweise gelöscht am</th>\
            <th scope="col">Letzter Schritt</th></tr></thead>
            <tbody>

            """
        for summary in page.cases {
            let deleted = summary.evidenceDeletedAt.map { HTMLEscaping.escape(PageTime.absolute($0)) } ?? "–"
            let last = summary.lastActivity.map { PageTime.html($0, now: now) } ?? "–"
            html +=
                "<tr><th scope=\"row\"><a href=\"\(Self.caseLink(summary.caseId))\">"
                + "<code>\(HTMLEscaping.escape(summary.caseId))</code></a></th>"
                + "<td>\(HTMLEscaping.escape(CaseLabels.label(summary.progress)))</td>"
                + "<td>\(summary.assignedKit.map { "<code>\(HTMLEscaping.escape($0))</code>" } ?? "–")</td>"
                + "<td>\(Self.receivers(summary.dossiers))</td><td>\(deleted)</td><td>\(last)</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    /// "meldewesen: angenommen; stadtkasse: abgelehnt – Grund".
    static func receivers(_ dossiers: [DossierRecord]) -> String {
        guard !dossiers.isEmpty else { return "–" }
        var items = ""
        for dossier in dossiers {
            var item =
                "<code>\(HTMLEscaping.escape(dossier.consumer))</code>: "
                + HTMLEscaping.escape(CaseLabels.dossierState(dossier))
            if dossier.outcome == .rejected {
                item += " – „\(HTMLEscaping.escape(dossier.reason ?? "ohne Begründung"))“"
            }
            items += "<li>\(item)</li>"
        }
        return "<ul class=\"plain\">\(items)</ul>"
    }

    func pager() -> String {
        guard pageCount > 1 else { return "" }
        var links: [String] = []
        if pageNumber > 1 {
            links.append(
                "<a href=\"\(Self.link(filter: filter, page: pageNumber - 1))\" rel=\"prev\">Vorherige Seite</a>")
        }
        links.append("<span>Seite \(pageNumber) von \(pageCount)</span>")
        if pageNumber < pageCount {
            links.append(
                "<a href=\"\(Self.link(filter: filter, page: pageNumber + 1))\" rel=\"next\">Nächste Seite</a>")
        }
        return "<nav aria-label=\"Seiten\" class=\"pager\">\(links.joined(separator: " "))</nav>\n"
    }
}
