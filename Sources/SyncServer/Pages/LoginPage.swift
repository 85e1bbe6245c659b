/// `GET /admin/login`: a named account (name and password, `sync-server operators add`) exchanged
/// for a session cookie. Until the first account exists, the operator token (`keys/admin.token` in
/// the server's state directory) signs in instead, so IT can set up the server.
struct LoginPage {
    /// Why the last attempt failed, in German; nil on first display.
    enum Problem {
        case wrongToken
        case wrongPassword
        case accountNeeded
        case tooManyAttempts
        case sessionEnded

        var html: String {
            switch self {
            case .wrongToken:
                return "<p class=\"error\" role=\"alert\">Das Token ist falsch. Bitte den Inhalt von "
                    + "<code>keys/admin.token</code> vollständig einfügen.</p>"
            case .wrongPassword:
                return "<p class=\"error\" role=\"alert\">Benutzername oder Passwort ist falsch, "
                    + "oder das Konto ist gesperrt.</p>"
            case .accountNeeded:
                return "<p class=\"error\" role=\"alert\">Bitte mit Ihrem Benutzernamen und Passwort anmelden. "
                    + "Das Betriebs-Token gilt nur für Skripte, seit es benannte Konten gibt.</p>"
            case .tooManyAttempts:
                return "<p class=\"error\" role=\"alert\">Zu viele Fehlversuche von dieser Adresse. "
                    + "Bitte in einigen Minuten erneut versuchen.</p>"
            case .sessionEnded:
                return "<p class=\"notice\">Abgemeldet.</p>"
            }
        }
    }

    var problem: Problem?
    /// Whether the token field is offered (no named account exists yet).
    var tokenAllowed = false

    func render() -> String {
        let token =
            tokenAllowed
            ? """
            <h2>Ersteinrichtung</h2>
            <p>Solange es kein benanntes Konto gibt (<code>sync-server operators add</code>), meldet das \
            Betriebs-Token an.</p>
            <form method="post" action="/admin/login">
            <p><label for="token">Betreiber-Token (Datei <code>keys/admin.token</code> im Zustandsverzeichnis \
            des Servers)</label></p>
            <p><input type="password" id="token" name="token" size="70" autocomplete="off" required></p>
            <p><button type="submit">Mit Token anmelden</button></p>
            </form>

            """ : ""
        let body = """
            \(problem?.html ?? "")
            <form method="post" action="/admin/login">
            <p><label for="name">Benutzername</label></p>
            <p><input type="text" id="name" name="name" size="30" autocomplete="username" \
            autocapitalize="none" spellcheck="false" \(tokenAllowed ? "" : "required autofocus")></p>
            <p><label for="password">Passwort</label></p>
            <p><input type="password" id="password" name="password" size="30" autocomplete="current-password" \
            \(tokenAllowed ? "" : "required")></p>
            <p><button type="submit">Anmelden</button></p>
            </form>
            \(token)
            """
        return PageLayout.document(title: "Anmelden", section: nil, body: body)
    }
}
