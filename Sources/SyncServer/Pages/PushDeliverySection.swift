import Foundation
import KitCore

/// The push part of the "Übergaben" page: dead-lettered dossiers (given up after the retry
/// period) with their last error and a button that re-queues them, and how many wait per
/// receiver. Dossier ids are hex and consumer names `[A-Za-z0-9._-]`; everything is escaped anyway.
struct PushDeliverySection {
    enum Notice: String {
        case requeued = "erneut-eingereiht"
        case notDeadLetter = "nicht-unzustellbar"

        var html: String {
            switch self {
            case .requeued:
                return "<p class=\"notice\">Die Übergabe wird erneut zugestellt.</p>\n"
            case .notDeadLetter:
                return "<p class=\"error\">Diese Übergabe ist nicht (mehr) unzustellbar.</p>\n"
            }
        }
    }

    var queue: [PushQueueEntry]
    var now: Date

    func render() -> String {
        let dead = queue.filter { $0.state == .deadLetter }
        var html = "<h2>Push-Zustellung: unzustellbar (\(dead.count))</h2>\n"
        if dead.isEmpty {
            html += "<p class=\"ok\">Keine aufgegebene Zustellung.</p>\n"
        } else {
            html += """
                <p>Nach Ablauf der Wiederholungsfrist aufgegeben. Das Fachverfahren kann diese Übergaben weiterhin \
                abrufen; „Erneut zustellen“ startet die Zustellversuche von vorn.</p>
                <table>
                <thead><tr><th>Vorgang</th><th>Empfänger</th><th>Versuche</th><th>Letzter Fehler</th>\
                <th>Aufgegeben</th><th></th></tr></thead>
                <tbody>

                """
            for entry in dead {
                let when = entry.deadLetteredAt.map { PageTime.html($0, now: now) } ?? "–"
                html +=
                    "<tr><td><code>\(HTMLEscaping.escape(entry.caseId))</code></td>"
                    + "<td><code>\(HTMLEscaping.escape(entry.consumer))</code></td>"
                    + "<td>\(entry.attempts)</td><td>\(HTMLEscaping.escape(entry.lastError ?? "–"))</td>"
                    + "<td>\(when)</td><td><form method=\"post\" "
                    + "action=\"/admin/handoff/\(HTMLEscaping.escape(entry.dossierId))/redeliver\">"
                    + "<button type=\"submit\">Erneut zustellen</button></form></td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        let waiting = Dictionary(grouping: queue.filter { $0.state == .pending }, by: \.consumer)
        html += "<h2>Push-Zustellung: wartet</h2>\n"
        if waiting.isEmpty {
            html += "<p>Keine Übergabe wartet auf Zustellung.</p>\n"
        } else {
            html +=
                "<table>\n<thead><tr><th>Empfänger</th><th>Wartend</th><th>Letzter Fehler</th></tr></thead>\n<tbody>\n"
            for consumer in waiting.keys.sorted() {
                let entries = waiting[consumer] ?? []
                let failing = entries.first { $0.attempts > 0 }
                let problem = failing.map { "\($0.attempts) Versuch(e): \($0.lastError ?? "–")" } ?? "–"
                html +=
                    "<tr><td><code>\(HTMLEscaping.escape(consumer))</code></td><td>\(entries.count)</td>"
                    + "<td>\(HTMLEscaping.escape(problem))</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        return html
    }
}
