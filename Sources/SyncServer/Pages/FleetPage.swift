import Foundation
import KitCore

/// `GET /admin/fleet`: every kit with what needs doing about it ("Handlungsbedarf"), its last
/// contact, chain position, queue, devices and agent version. Kits with something to do come
/// first; the column headers sort server-side (`?sortierung=…&richtung=…`, no scripts).
struct FleetPage {
    /// The columns one can sort by, with their query value.
    enum SortKey: String, CaseIterable {
        case action = "handlungsbedarf"
        case kit
        case status
        case lastSeen = "zuletzt"
        case queue = "warteschlange"
        case agent
    }

    var kits: [KitRecord]
    var facts: FleetAction.FleetFacts
    var now: Date
    var sort: SortKey = .action
    /// Nil: the column's natural direction (most urgent, newest, longest first; names A–Z).
    var ascending: Bool?

    init(
        kits: [KitRecord], facts: FleetAction.FleetFacts = .init(), now: Date, sort: SortKey = .action,
        ascending: Bool? = nil
    ) {
        self.kits = kits
        var facts = facts
        if facts.newestAgentVersion == nil {
            facts.newestAgentVersion = AgentVersion.newest(kits.filter(\.active).compactMap(\.report?.agentVersion))
        }
        self.facts = facts
        self.now = now
        self.sort = sort
        self.ascending = ascending
    }

    /// The query's sort column and direction; unknown values fall back to the default.
    static func sorting(sort: String?, direction: String?) -> (SortKey, Bool?) {
        let key = sort.flatMap(SortKey.init(rawValue:)) ?? .action
        switch direction {
        case "auf": return (key, true)
        case "ab": return (key, false)
        default: return (key, nil)
        }
    }

    struct Row {
        var kit: KitRecord
        var actions: [FleetAction]

        var urgency: (Int, Int) {
            (actions.map(\.severity.rawValue).max() ?? 0, actions.count)
        }
    }

    var isAscending: Bool { ascending ?? Self.naturallyAscending(sort) }

    static func naturallyAscending(_ key: SortKey) -> Bool {
        switch key {
        case .kit, .status, .lastSeen, .agent: return true
        case .action, .queue: return false
        }
    }

    /// The rows in display order.
    func rows() -> [Row] {
        let rows = kits.map { Row(kit: $0, actions: FleetAction.actions(for: $0, facts: facts, now: now)) }
        let ascending = isAscending
        return rows.sorted { left, right in
            let order = compare(left, right)
            if order != .orderedSame { return ascending ? order == .orderedAscending : order == .orderedDescending }
            // Ties: problem kits first, then by name.
            if left.urgency != right.urgency { return left.urgency > right.urgency }
            return left.kit.kitId < right.kit.kitId
        }
    }

    func compare(_ left: Row, _ right: Row) -> ComparisonResult {
        func order<T: Comparable>(_ lhs: T, _ rhs: T) -> ComparisonResult {
            lhs < rhs ? .orderedAscending : lhs > rhs ? .orderedDescending : .orderedSame
        }
        switch sort {
        case .action:
            let (l, r) = (left.urgency, right.urgency)
            return l == r ? .orderedSame : (l < r ? .orderedAscending : .orderedDescending)
        case .kit: return order(left.kit.kitId, right.kit.kitId)
        case .status: return order(status(left).label, status(right).label)
        case .lastSeen:
            // Ascending: the longest silent (or never seen) first.
            return order(left.kit.lastSeenAt ?? .distantPast, right.kit.lastSeenAt ?? .distantPast)
        case .queue: return order(left.kit.report?.queueDepth ?? -1, right.kit.report?.queueDepth ?? -1)
        case .agent:
            let (l, r) = (left.kit.report?.agentVersion ?? "", right.kit.report?.agentVersion ?? "")
            if AgentVersion.isOlder(l, than: r) { return .orderedAscending }
            if AgentVersion.isOlder(r, than: l) { return .orderedDescending }
            return order(l, r)
        }
    }

    /// The status word and its style class.
    func status(_ row: Row) -> (label: String, style: String) {
        if row.kit.wipedAt != nil { return ("gelöscht", "muted") }
        if row.kit.lostAt != nil { return ("verloren gemeldet", "warn") }
        if !row.kit.active { return ("gesperrt", "muted") }
        return row.actions.isEmpty ? ("aktiv", "ok") : ("Handlungsbedarf", "warn")
    }

    func render() -> String {
        let rows = rows()
        let needing = rows.filter { !$0.actions.isEmpty }.count
        let active = kits.filter(\.active).count
        let queued = kits.reduce(0) { $0 + ($1.report?.queueDepth ?? 0) }
        var body = """
            <ul class="counts">
            <li><strong>\(kits.count)</strong> Koffer</li>
            <li><strong>\(active)</strong> aktiv</li>
            <li><strong>\(kits.count - active)</strong> gesperrt</li>
            <li\(needing > 0 ? " class=\"warn\"" : "")><strong>\(needing)</strong> mit Handlungsbedarf</li>
            <li><strong>\(queued)</strong> Transaktionen in Warteschlangen</li>
            </ul>

            """
        if kits.isEmpty {
            body += "<p>Noch kein Koffer eingeschrieben.</p>\n"
            return PageLayout.document(title: "Flotte", section: .fleet, body: body)
        }
        let headers: [(SortKey?, String)] = [
            (.kit, "Koffer"), (.status, "Status"), (.action, "Handlungsbedarf"), (.lastSeen, "Zuletzt gesehen"),
            (nil, "Letzte Seq"), (.queue, "Warteschlange"), (nil, "Ältester Eintrag"), (nil, "Geräte"),
            (.agent, "Software"),
        ]
        body += """
            <table>
            <caption>Koffer der Flotte, sortiert nach „\(HTMLEscaping.escape(headers.first { $0.0 == sort }?.1 ?? ""))“ \
            (\(isAscending ? "aufsteigend" : "absteigend")); Spaltenköpfe sortieren</caption>
            <thead><tr>\(headers.map { header($0.0, $0.1) }.joined())</tr></thead>
            <tbody>

            """
        for row in rows {
            body += render(row)
        }
        body += "</tbody>\n</table>\n"
        return PageLayout.document(title: "Flotte", section: .fleet, body: body)
    }

    /// A column head; a sortable one is a link that sorts by it (again: the other way round).
    func header(_ key: SortKey?, _ label: String) -> String {
        guard let key else { return "<th scope=\"col\">\(label)</th>" }
        var ariaSort = ""
        var direction = Self.naturallyAscending(key)
        if key == sort {
            ariaSort = " aria-sort=\"\(isAscending ? "ascending" : "descending")\""
            direction = !isAscending
        }
        let href = "/admin/fleet?sortierung=\(key.rawValue)&amp;richtung=\(direction ? "auf" : "ab")"
        return "<th scope=\"col\"\(ariaSort)><a href=\"\(href)\">\(label)</a></th>"
    }

    func render(_ row: Row) -> String {
        let kit = row.kit
        let status = status(row)
        let rowClass =
            !kit.active || kit.wipedAt != nil ? " class=\"revoked\"" : row.actions.isEmpty ? "" : " class=\"stale\""
        var statusCell = "<span class=\"\(status.style)\">\(status.label)</span>"
        if kit.active, kit.lostAt == nil {
            // Issue #17: the kit hands over its queue at its next contact, then wipes itself.
            statusCell += """
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
            <tr\(rowClass)><th scope="row"><code>\(HTMLEscaping.escape(kit.kitId))</code></th><td>\(statusCell)</td>\
            <td>\(actions(row.actions))</td><td>\(lastSeen)</td><td>\(kit.lastSeq)</td><td>\(queue)</td>\
            <td>\(oldest)</td><td>\(devices(kit.report))</td><td>\(agent)</td></tr>

            """
    }

    func actions(_ actions: [FleetAction]) -> String {
        guard !actions.isEmpty else { return "<span class=\"ok\">nichts zu tun</span>" }
        let items = actions.map { action in
            let text = HTMLEscaping.escape(action.text)
            let marked = action.severity == .critical ? "<strong>\(text)</strong>" : text
            return "<li>\(marked)\(Self.technical(action.technicalDetail))</li>"
        }
        return "<ul class=\"actions\">\(items.joined())</ul>"
    }

    /// The kit's English detail for IT, folded away and marked as English.
    static func technical(_ detail: String?) -> String {
        guard let detail, !detail.isEmpty else { return "" }
        return "<details><summary>Details für die IT</summary><span lang=\"en\">"
            + "\(HTMLEscaping.escape(String(detail.prefix(500))))</span></details>"
    }

    /// One line per device in German; unhealthy ones first.
    func devices(_ report: KitReport?) -> String {
        guard let report else { return "kein Bericht" }
        guard !report.devices.isEmpty else { return "keine Angaben" }
        let unhealthy = report.devices.filter { DeviceLabels.severity($0.state) != nil }
        let healthy = report.devices.filter { DeviceLabels.severity($0.state) == nil }
        let summary =
            unhealthy.isEmpty
            ? "<span class=\"ok\">alle \(report.devices.count) bereit</span>"
            : "<span class=\"warn\">\(unhealthy.count) von \(report.devices.count) mit Problem</span>"
        let lines = (unhealthy + healthy).map { device in
            "<li>\(HTMLEscaping.escape(DeviceLabels.name(device.device))): "
                + "\(HTMLEscaping.escape(DeviceLabels.state(device.state)))</li>"
        }
        let details = Self.technical(
            report.devices.map { "\($0.device) \($0.state)" + ($0.detail.map { ": \($0)" } ?? "") }
                .joined(separator: "; "))
        return summary + "<ul class=\"plain\">\(lines.joined())</ul>" + details
    }
}
