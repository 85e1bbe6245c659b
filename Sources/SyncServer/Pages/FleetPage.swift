import Foundation
import KitCore

/// `GET /admin/fleet`: every kit with its last contact, chain position, queue and devices as of its
/// last report. Kits that need a look (silent or with old unsent transactions) are highlighted.
struct FleetPage {
    /// A kit not seen for longer, or holding an unsent transaction older than this, is stale.
    static let staleAfter: TimeInterval = 24 * 3_600
    /// Device states that count as healthy.
    static let healthyStates: Set<String> = ["ok", "ready", "bereit", "idle"]

    var kits: [KitRecord]
    var now: Date

    /// Why an active kit needs attention, in German; empty when it does not.
    func staleReasons(_ kit: KitRecord) -> [String] {
        guard kit.active else { return [] }
        var reasons: [String] = []
        if let lastSeen = kit.lastSeenAt {
            if now.timeIntervalSince(lastSeen) > Self.staleAfter { reasons.append("seit über 24 Std. nicht gesehen") }
        } else {
            reasons.append("noch nie gesehen")
        }
        if let oldest = kit.report?.oldestWaitingAt, now.timeIntervalSince(oldest) > Self.staleAfter {
            reasons.append("ältester Eintrag über 24 Std. alt")
        }
        if let problem = kit.report?.syncProblem {
            reasons.append(
                "Warteschlange staut sich seit \(PageTime.absolute(problem.since))"
                    + (problem.seq.map { " (Vorgang \($0))" } ?? "") + ": " + problem.kind.clerkMessage
                    + " – Technik: " + problem.reason)
        }
        return reasons
    }

    func render() -> String {
        let stale = kits.filter { !staleReasons($0).isEmpty }.count
        let active = kits.filter(\.active).count
        let queued = kits.reduce(0) { $0 + ($1.report?.queueDepth ?? 0) }
        var body = """
            <ul class="counts">
            <li><strong>\(kits.count)</strong> Kits</li>
            <li><strong>\(active)</strong> aktiv</li>
            <li><strong>\(kits.count - active)</strong> gesperrt</li>
            <li\(stale > 0 ? " class=\"warn\"" : "")><strong>\(stale)</strong> überfällig</li>
            <li><strong>\(queued)</strong> Transaktionen in Warteschlangen</li>
            </ul>

            """
        if kits.isEmpty {
            body += "<p>Noch kein Kit eingeschrieben.</p>\n"
            return PageLayout.document(title: "Flotte", section: .fleet, body: body)
        }
        body += """
            <table>
            <thead><tr><th>Kit</th><th>Status</th><th>Zuletzt gesehen</th><th>Letzte Seq</th>\
            <th>Warteschlange</th><th>Ältester Eintrag</th><th>Geräte</th><th>Agent</th></tr></thead>
            <tbody>

            """
        for kit in kits {
            body += row(kit)
        }
        body += "</tbody>\n</table>\n"
        return PageLayout.document(title: "Flotte", section: .fleet, body: body)
    }

    func row(_ kit: KitRecord) -> String {
        let reasons = staleReasons(kit)
        let rowClass = !kit.active ? " class=\"revoked\"" : reasons.isEmpty ? "" : " class=\"stale\""
        let status =
            kit.active
            ? (reasons.isEmpty
                ? "<span class=\"ok\">aktiv</span>"
                : "<span class=\"warn\">aktiv, \(kit.report?.syncProblem == nil ? "überfällig" : "gestaut")</span><br>"
                    + reasons.map(HTMLEscaping.escape).joined(separator: "<br>"))
            : "gesperrt"
        var loss = kit.lossStatus.map { "<br><span class=\"warn\">\(HTMLEscaping.escape($0))</span>" } ?? ""
        if kit.active, kit.lostAt == nil {
            // Issue #17: the kit hands over its queue at its next contact, then wipes itself.
            loss += """
                <form method="post" action="/admin/fleet/\(HTMLEscaping.escape(kit.kitId))/lost" class="lost">\
                <button type="submit">Als verloren melden (Fernlöschung)</button></form>
                """
        }
        let lastSeen = kit.lastSeenAt.map { PageTime.html($0, now: now) } ?? "nie"
        let queue = kit.report.map { String($0.queueDepth) } ?? "–"
        let oldest: String
        if let report = kit.report {
            oldest =
                report.oldestWaitingAt.map { date in
                    "\(HTMLEscaping.escape(PageTime.duration(now.timeIntervalSince(date))))"
                        + " <span class=\"abs\">\(HTMLEscaping.escape(PageTime.absolute(date)))</span>"
                } ?? "leer"
        } else {
            oldest = "–"
        }
        let agent = kit.report.map { HTMLEscaping.escape($0.agentVersion) } ?? "–"
        return """
            <tr\(rowClass)><td><code>\(HTMLEscaping.escape(kit.kitId))</code></td><td>\(status)\(loss)</td>\
            <td>\(lastSeen)</td><td>\(kit.lastSeq)</td><td>\(queue)</td><td>\(oldest)</td>\
            <td>\(devices(kit.report))</td><td>\(agent)</td></tr>

            """
    }

    /// One line per device; unhealthy ones first and marked.
    func devices(_ report: KitReport?) -> String {
        guard let report else { return "kein Bericht" }
        guard !report.devices.isEmpty else { return "keine Angaben" }
        let unhealthy = report.devices.filter { !Self.healthyStates.contains($0.state.lowercased()) }
        let summary =
            unhealthy.isEmpty
            ? "<span class=\"ok\">alle \(report.devices.count) bereit</span>"
            : "<span class=\"warn\">\(unhealthy.count) von \(report.devices.count) mit Problem</span>"
        let lines = (unhealthy + report.devices.filter { Self.healthyStates.contains($0.state.lowercased()) }).map {
            device in
            let detail = device.detail.map { ": " + HTMLEscaping.escape($0) } ?? ""
            return "\(HTMLEscaping.escape(device.device)) – \(HTMLEscaping.escape(device.state))\(detail)"
        }
        return summary + "<br>" + lines.joined(separator: "<br>")
    }
}
