import Foundation
import KitCore

/// `GET /admin/conflicts`: each open conflict with the citizen, the kit's side against the
/// server's and register's, what each decision does, and a form that needs a note; after a
/// confirmation step the decision is recorded with the person and the note. Below, the recently
/// settled ones with who decided and why.
struct ConflictsPage {
    /// What the last resolve request did, shown once after the redirect. Only these fixed texts
    /// are ever shown: the query parameter selects one, it is never echoed.
    enum Notice: String {
        case resolved = "erledigt"
        case notOpen = "nicht-offen"

        var html: String {
            switch self {
            case .resolved:
                return
                    "<p class=\"notice\" role=\"status\">Der Konflikt ist entschieden und im Prüfprotokoll vermerkt.</p>"
            case .notOpen: return "<p class=\"error\" role=\"alert\">Dieser Konflikt ist nicht (mehr) offen.</p>"
            }
        }
    }

    /// A form that came back with a problem: shown at its conflict with the typed note kept.
    struct FormProblem {
        var conflictId: Int64
        var message: String
        var resolution: ConflictResolution?
        var note: String
    }

    /// How many settled conflicts the page shows.
    static let recentlyResolvedLimit = 20
    /// The longest note accepted.
    static let maximumNoteLength = 1_000

    var open: [ConflictRecord]
    var resolved: [ConflictRecord]
    var contexts: [String: ConflictCaseContext] = [:]
    var notes: [Int64: String] = [:]
    var now: Date
    var notice: Notice?
    var problem: FormProblem?

    static func label(_ resolution: ConflictResolution) -> String { ConflictTexts.taken(resolution) }
    static func label(_ reason: ConflictReason) -> String { ConflictTexts.reason(reason) }

    /// The note as it will be recorded, or the German reason it is refused.
    static func validNote(_ raw: String?) -> Result<String, NoteRefusal> {
        let note = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.isEmpty { return .failure(.missing) }
        if note.count > maximumNoteLength { return .failure(.tooLong) }
        return .success(note)
    }

    enum NoteRefusal: Error {
        case missing, tooLong

        var message: String { self == .missing ? ConflictTexts.noteMissing : ConflictTexts.noteTooLong }
    }

    func render() -> String {
        var body = notice?.html ?? ""
        body += "<h2>Offen (\(open.count))</h2>\n"
        if open.isEmpty {
            body += "<p class=\"ok\">Keine offenen Konflikte.</p>\n"
        }
        for conflict in open {
            body += openSection(conflict)
        }
        body += "<h2>Zuletzt entschieden</h2>\n"
        if resolved.isEmpty {
            body += "<p>Noch nichts entschieden.</p>\n"
        } else {
            body += """
                <table>
                <caption>Zuletzt entschiedene Konflikte mit Entscheidung, Person und Notiz</caption>
                <thead><tr><th scope="col">Konflikt</th><th scope="col">Bürger/in</th><th scope="col">Vorgang</th>\
                <th scope="col">Grund</th><th scope="col">Entscheidung</th><th scope="col">Entschieden von</th>\
                <th scope="col">Notiz</th><th scope="col">Wann</th></tr></thead>
                <tbody>

                """
            for conflict in resolved {
                body += resolvedRow(conflict)
            }
            body += "</tbody>\n</table>\n"
        }
        return PageLayout.document(title: "Konflikte", section: .conflicts, body: body)
    }

    func citizen(_ conflict: ConflictRecord) -> String {
        contexts[conflict.caseId].map { HTMLEscaping.escape($0.citizenName) } ?? "unbekannt"
    }

    func caseLink(_ conflict: ConflictRecord) -> String {
        "<a href=\"\(CasesPage.caseLink(conflict.caseId))\"><code>\(HTMLEscaping.escape(conflict.caseId))</code></a>"
    }

    func openSection(_ conflict: ConflictRecord) -> String {
        let context = contexts[conflict.caseId]
        let title = context.map { " – \(HTMLEscaping.escape($0.title))" } ?? ""
        return """
            <section class="conflict" aria-labelledby="konflikt-\(conflict.id)">
            <h3 id="konflikt-\(conflict.id)">Konflikt \(conflict.id): \(HTMLEscaping.escape(ConflictTexts.reason(conflict.reason)))\
             – \(citizen(conflict))</h3>
            <p>\(HTMLEscaping.escape(ConflictTexts.explanation(conflict.reason)))</p>
            <dl class="facts">
            <dt>Bürger/in</dt><dd>\(citizen(conflict))</dd>
            <dt>Vorgang</dt><dd>\(caseLink(conflict))\(title)</dd>
            <dt>Koffer, Schritt</dt><dd><code>\(HTMLEscaping.escape(conflict.kitId))</code>, \
            Seq \(conflict.seq) (<code>\(HTMLEscaping.escape(conflict.kind))</code>)</dd>
            <dt>Gemeldet</dt><dd>\(PageTime.html(conflict.openedAt, now: now))</dd>
            </dl>
            \(comparison(conflict, context: context))\
            \(FleetPage.technical(conflict.detail))
            \(decisionForm(conflict))
            </section>

            """
    }

    /// The kit's side against the server's, as far as the server holds them in clear.
    func comparison(_ conflict: ConflictRecord, context: ConflictCaseContext?) -> String {
        var rows: [(String, String, String)] = []
        if ConflictTexts.isPayment(conflict.reason) {
            let payment = PaymentConflictFacts(detail: conflict.detail)
            let fee = context.map { Self.euros($0.feeCents) } ?? "–"
            rows.append(
                (
                    "Betrag", payment.amountCents.map(Self.euros) ?? "nicht gemeldet",
                    context?.feePaid == true ? "\(fee) (bezahlt)" : fee
                ))
            rows.append(
                (
                    "Belegnummer (Trace)", payment.trace.map(HTMLEscaping.escape) ?? "nicht gemeldet",
                    "erste Zahlung: siehe Vorgang"
                ))
        } else if let context {
            rows.append(
                (
                    "Anschrift", Self.address(context.caseAddress),
                    context.registerAddress.map(Self.address) ?? "nicht im Register"
                ))
            rows.append(
                (
                    "Registerstand", "Version \(context.caseRegisterVersion) (beim Ausrücken)",
                    context.registerVersion.map { "Version \($0) (jetzt)" } ?? "–"
                ))
        }
        guard !rows.isEmpty else { return "" }
        let cells = rows.map { "<tr><th scope=\"row\">\($0.0)</th><td>\($0.1)</td><td>\($0.2)</td></tr>" }
        return """
            <table class="compare">
            <caption>Koffer und Server im Vergleich</caption>
            <thead><tr><th scope="col">Angabe</th><th scope="col">Koffer</th>\
            <th scope="col">Server / Melderegister</th></tr></thead>
            <tbody>\(cells.joined())</tbody>
            </table>

            """
    }

    static func address(_ address: CaseSnapshot.Address) -> String {
        HTMLEscaping.escape("\(address.street), \(address.zip) \(address.city)")
    }

    static func euros(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let value = cents.magnitude
        let rest = value % 100
        return "\(sign)\(value / 100),\(rest < 10 ? "0" : "")\(rest) €"
    }

    func decisionForm(_ conflict: ConflictRecord) -> String {
        let problem = problem?.conflictId == conflict.id ? problem : nil
        let prefix = "k\(conflict.id)"
        let choices = ConflictResolution.allCases.map { resolution in
            let id = "\(prefix)-\(resolution.rawValue)"
            let checked = problem?.resolution == resolution ? " checked" : ""
            return """
                <div class="choice"><input type="radio" id="\(id)" name="resolution" value="\(resolution.rawValue)" \
                aria-describedby="\(id)-wirkung" required\(checked)> <label for="\(id)">\
                \(HTMLEscaping.escape(ConflictTexts.decision(resolution, for: conflict.reason)))</label>\
                <p id="\(id)-wirkung" class="effect">\(HTMLEscaping.escape(ConflictTexts.effect(resolution, for: conflict.reason)))</p></div>
                """
        }
        let error =
            problem.map {
                "<p class=\"error\" role=\"alert\" id=\"\(prefix)-fehler\">\(HTMLEscaping.escape($0.message))</p>"
            } ?? ""
        let described = problem == nil ? "" : " aria-describedby=\"\(prefix)-fehler\" aria-invalid=\"true\""
        return """
            <form method="post" action="/admin/conflicts/\(conflict.id)/resolve" class="resolve">
            <fieldset><legend>Entscheidung zu Konflikt \(conflict.id)</legend>
            \(choices.joined(separator: "\n"))
            \(error)<label for="\(prefix)-notiz">Notiz (Pflicht, kommt ins Prüfprotokoll)</label>
            <textarea id="\(prefix)-notiz" name="note" rows="2" maxlength="\(Self.maximumNoteLength)" required\(described)>\
            \(HTMLEscaping.escape(problem?.note ?? ""))</textarea>
            <button type="submit">Weiter zur Bestätigung</button>
            </fieldset>
            </form>
            """
    }

    func resolvedRow(_ conflict: ConflictRecord) -> String {
        let resolution = conflict.resolution.map { ConflictTexts.taken($0, for: conflict.reason) } ?? "–"
        let when = conflict.resolvedAt.map { PageTime.html($0, now: now) } ?? "–"
        let note = notes[conflict.id].map(HTMLEscaping.escape) ?? "–"
        return """
            <tr><th scope="row">\(conflict.id)</th><td>\(citizen(conflict))</td><td>\(caseLink(conflict))</td>\
            <td>\(HTMLEscaping.escape(ConflictTexts.reason(conflict.reason)))</td><td>\(HTMLEscaping.escape(resolution))</td>\
            <td>\(HTMLEscaping.escape(conflict.resolvedBy ?? "–"))</td><td class="note">\(note)</td><td>\(when)</td></tr>

            """
    }
}

/// The confirmation step: what will be decided, with the note, and the button that does it.
struct ConflictConfirmationPage {
    var conflict: ConflictRecord
    var context: ConflictCaseContext?
    var resolution: ConflictResolution
    var note: String

    func render() -> String {
        let citizen = context.map { HTMLEscaping.escape($0.citizenName) } ?? "unbekannt"
        let body = """
            <p>Bitte prüfen Sie Ihre Entscheidung. Sie wird mit Ihrem Namen und der Notiz im Prüfprotokoll vermerkt.</p>
            <dl class="facts">
            <dt>Konflikt</dt><dd>\(conflict.id): \(HTMLEscaping.escape(ConflictTexts.reason(conflict.reason)))</dd>
            <dt>Bürger/in</dt><dd>\(citizen)</dd>
            <dt>Vorgang</dt><dd><code>\(HTMLEscaping.escape(conflict.caseId))</code></dd>
            <dt>Entscheidung</dt><dd>\(HTMLEscaping.escape(ConflictTexts.decision(resolution, for: conflict.reason)))</dd>
            <dt>Wirkung</dt><dd>\(HTMLEscaping.escape(ConflictTexts.effect(resolution, for: conflict.reason)))</dd>
            <dt>Notiz</dt><dd class="note">\(HTMLEscaping.escape(note))</dd>
            </dl>
            <form method="post" action="/admin/conflicts/\(conflict.id)/resolve" class="resolve">
            <input type="hidden" name="resolution" value="\(resolution.rawValue)">
            <input type="hidden" name="note" value="\(HTMLEscaping.escape(note))">
            <input type="hidden" name="confirmed" value="1">
            <button type="submit">Entscheidung bestätigen</button>
            <a href="/admin/conflicts">Abbrechen und zurück zu den Konflikten</a>
            </form>

            """
        return PageLayout.document(title: "Entscheidung bestätigen", section: .conflicts, body: body)
    }
}

/// What the server's double-payment rule wrote about the kit's payment ("… refund 2500 cents
/// (trace 000123)"): the amount and the terminal's trace number, when present.
struct PaymentConflictFacts: Equatable {
    var amountCents: Int?
    var trace: String?
}

extension PaymentConflictFacts {
    init(detail: String) {
        let words = detail.prefix(400).split(separator: " ")
        amountCents = nil
        trace = nil
        for (index, word) in words.enumerated() {
            if word.hasPrefix("cents"), index > 0, words[index - 1].count <= 9, let value = Int(words[index - 1]),
                value >= 0
            {
                amountCents = value
            }
            if word == "(trace", index + 1 < words.count {
                let value = words[index + 1].prefix { $0 != ")" }
                if !value.isEmpty, value != "?", value.count <= 12, value.allSatisfy({ $0.isASCII && $0.isNumber }) {
                    trace = String(value)
                }
            }
        }
    }
}
